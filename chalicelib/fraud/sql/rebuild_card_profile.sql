-- The per-card state every feature reads, rebuilt from the stored rows: each card's and each category's running
-- aggregates and the categories' first uses (sql/060_fraud_state_parts.sql). For a database whose loads ran
-- without scoring for a while, or whose history was written around the loader. The rows this transaction inserted
-- (loaded_at = now()) are left out: the load then adds them as for any file. Rows retention has deleted are gone.
DELETE FROM fraud_card_profile;
DELETE FROM fraud_category_profile;
DELETE FROM fraud_card_seen WHERE kind = 'c';
INSERT INTO fraud_card_profile (card_token, n, sum_lamt, first_ts, last_ts)
SELECT card_token, count(*), (sum(fraud_lamt_units(amt::float8)) / 4294967296)::float8, min(trans_date_trans_time),
       max(trans_date_trans_time)
FROM card_transaction WHERE loaded_at <> now() GROUP BY card_token;
INSERT INTO fraud_category_profile (category, n, sum_lamt)
SELECT category, count(*), (sum(fraud_lamt_units(amt::float8)) / 4294967296)::float8
FROM card_transaction WHERE loaded_at <> now() GROUP BY category;
INSERT INTO fraud_card_seen (card_token, kind, item, first_ts)
SELECT card_token, 'c', category, min(trans_date_trans_time) FROM card_transaction WHERE loaded_at <> now()
GROUP BY 1, 3;
INSERT INTO fraud_state_part (part) VALUES ('card_profile') ON CONFLICT (part) DO NOTHING
