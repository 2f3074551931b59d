-- Which parts of the per-card fraud state (sql/040_fraud_features.sql) are being kept up to date: the card and
-- category profiles with the categories' first uses (card_profile: every feature reads them), the merchant first
-- uses (about one row per card and merchant: writing them was a fifth of a file's load time) and the recent rows
-- (what the velocity windows and the time since the previous row read). The loader keeps the optional parts only
-- while the deployed model reads a feature that needs them, and none while scoring is off
-- (chalicelib/fraud/features.py). A part listed here is complete: every load since it was listed added its rows.
-- A load that needs a part that is not listed rebuilds it from card_transaction first, in its own transaction
-- (chalicelib/fraud/sql/rebuild_<part>.sql); one that does not need it takes it off the list.
CREATE TABLE fraud_state_part (
    part   text PRIMARY KEY CHECK (part IN ('card_profile', 'merchant_first_use', 'recent_rows')),
    since  timestamptz NOT NULL DEFAULT now()
);
-- Every load so far kept them all.
INSERT INTO fraud_state_part (part) VALUES ('card_profile'), ('merchant_first_use'), ('recent_rows');

GRANT SELECT, INSERT, DELETE ON fraud_state_part TO cardstream_loader;
GRANT DELETE ON fraud_card_seen, fraud_card_profile, fraud_category_profile TO cardstream_loader;
-- The rebuild is chalicelib/fraud/features.py's rebuild_state() now, from the same statements a load runs when it
-- finds a part missing (one spelling of each); sql/040's function summed in another way.
DROP FUNCTION fraud_profile_rebuild(integer);

-- ln(amt + 1) in whole units of 2^-32. A file's per-card and per-category sums (features_cards.sql,
-- features_new_category.sql) add these: integer sums are exact, so they are the same bits in whatever order the
-- rows come (a plan's hash join may deliver them in another order), and `make train` repeats its artifact to the
-- byte. Inlined by the planner (one SQL expression, immutable).
CREATE FUNCTION fraud_lamt_units(amt float8) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(ln(amt + 1) * 4294967296)::bigint $$;
