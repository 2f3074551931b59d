-- The file's new transactions (those this database transaction inserted: loaded_at = now()), with what the
-- features need from the cardholder. A duplicate or a reloaded row is not new, so it never reaches the features
-- or the per-card state: a reload changes nothing. Dropped at commit.
CREATE TEMP TABLE fraud_new ON COMMIT DROP AS
SELECT t.trans_num, t.card_token, t.merchant_id, t.category, t.amt::float8 AS amt, (t.amt * 100)::bigint AS cents,
       t.trans_date_trans_time AS ts, radians(t.merch_lat::float8) AS lat, radians(t.merch_long::float8) AS long,
       radians(a.lat::float8) AS home_lat, radians(a.long::float8) AS home_long,
       cos(radians(a.lat::float8)) AS home_cos_lat, k.dob::timestamp AS dob
FROM (SELECT DISTINCT s.trans_num FROM stage s WHERE s.reason IS NULL) s
JOIN card_transaction t ON t.trans_num = s.trans_num AND t.loaded_at = now()
JOIN customer k ON k.card_token = t.card_token
JOIN customer_address a ON a.address_id = k.address_id
