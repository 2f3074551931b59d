-- One transaction for GET /transactions/{trans_num}: amounts and coordinates as their canonical text, the
-- card as cc_last4 only (no token), the cardholder's personal fields not at all.
SELECT t.trans_num,
       to_char(t.trans_date_trans_time, 'YYYY-MM-DD HH24:MI:SS') AS trans_date_trans_time,
       t.unix_time,
       c.cc_last4::text AS cc_last4,
       m.name AS merchant,
       t.category,
       t.amt::text AS amt,
       t.merch_lat::text AS merch_lat,
       t.merch_long::text AS merch_long,
       t.is_fraud,
       to_char(t.loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS loaded_at
FROM card_transaction t
JOIN customer c USING (card_token)
JOIN merchant m USING (merchant_id)
WHERE t.trans_num = %(trans_num)s
