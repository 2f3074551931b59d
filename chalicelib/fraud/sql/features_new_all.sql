-- features_new.sql's table when every good row of the file was inserted (no duplicate, the usual case):
-- read straight from `stage`, without probing card_transaction once per row. The good rows' text is canonical
-- (2-decimal amounts, 6-decimal coordinates), so these casts give the very values insert_facts.sql stored (the
-- cents too: a 2-decimal float8 times 100, rounded, is exact far beyond the dictionary's largest amount).
-- The cardholders' homes are read once per card of the file (customer_seen), not joined from the whole tables for
-- every row. The merchant's id is read only where a feature needs it: chalicelib/fraud/features.py fills in
-- the merchant_id column as m.merchant_id, or as NULL, and then PostgreSQL drops the join (merchant names are
-- unique).
CREATE TEMP TABLE fraud_new ON COMMIT DROP AS
WITH homes AS MATERIALIZED (
    SELECT k.card_token, radians(a.lat::float8) AS home_lat, radians(a.long::float8) AS home_long,
           cos(radians(a.lat::float8)) AS home_cos_lat, k.dob::timestamp AS dob
    FROM customer k JOIN customer_address a ON a.address_id = k.address_id
    WHERE k.card_token IN (SELECT c.card_token FROM customer_seen c)
)
SELECT s.trans_num, s.card_token, {merchant_id} AS merchant_id, s.category, s.amt::float8 AS amt,
       round(s.amt::float8 * 100)::bigint AS cents, s.trans_date_trans_time::timestamp AS ts,
       radians(s.merch_lat::float8) AS lat, radians(s.merch_long::float8) AS long, h.home_lat, h.home_long,
       h.home_cos_lat, h.dob
FROM stage s
JOIN homes h ON h.card_token = s.card_token
LEFT JOIN merchant m ON m.name = s.merchant
WHERE s.reason IS NULL
