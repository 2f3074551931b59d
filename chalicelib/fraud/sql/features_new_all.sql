-- fraud_features_new.sql's table when every good row of the file was inserted (no duplicate, the usual case):
-- read straight from `stage`, without probing card_transaction once per row. The good rows' text is canonical
-- (2-decimal amounts, 6-decimal coordinates), so these casts give the very values insert_facts.sql stored.
CREATE TEMP TABLE fraud_new ON COMMIT DROP AS
SELECT s.trans_num, s.card_token, m.merchant_id, s.category, s.amt::float8 AS amt,
       (s.amt::numeric * 100)::bigint AS cents, s.trans_date_trans_time::timestamp AS ts,
       radians(s.merch_lat::float8) AS lat, radians(s.merch_long::float8) AS long,
       radians(a.lat::float8) AS home_lat, radians(a.long::float8) AS home_long, k.dob
FROM stage s
JOIN merchant m ON m.name = s.merchant
JOIN customer k ON k.card_token = s.card_token
JOIN customer_address a ON a.address_id = k.address_id
WHERE s.reason IS NULL
