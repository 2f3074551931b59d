-- The file's new rows per card and category (count, sum of ln(amt + 1) in whole units of 2^-32 (sql/060's
-- fraud_lamt_units), first and last time), in one pass over the rows: the category sums
-- (features_new_category.sql), the cards' running aggregates (features_cards.sql) and the categories' first uses
-- (features_seen.sql) are taken from these few rows. The sums are integers, so adding them up again by card or by
-- category gives the very bits the rows would.
CREATE TEMP TABLE fraud_new_pair ON COMMIT DROP AS
SELECT n.card_token, n.category, count(*) AS n, sum(fraud_lamt_units(n.amt)) AS lamt_units, min(n.ts) AS first_ts,
       max(n.ts) AS last_ts
FROM fraud_new n GROUP BY n.card_token, n.category
