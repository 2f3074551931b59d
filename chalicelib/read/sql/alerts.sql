-- One page of fraud alerts for GET /alerts: created at or after %(since)s, after the cursor's
-- (created_at, trans_num), oldest first. The card as cc_last4 only (no token), no cardholder fields.
SELECT a.trans_num,
       a.score::float8 AS score,
       a.reasons,
       a.rule_version,
       a.created_at,
       to_char(t.trans_date_trans_time, 'YYYY-MM-DD HH24:MI:SS') AS trans_date_trans_time,
       c.cc_last4::text AS cc_last4,
       m.name AS merchant,
       t.category,
       t.amt::text AS amt,
       t.is_fraud
FROM fraud_alert a
JOIN card_transaction t USING (trans_num)
JOIN customer c USING (card_token)
JOIN merchant m USING (merchant_id)
WHERE a.created_at >= %(since)s
  AND (a.created_at, a.trans_num) > (%(after_time)s, %(after_trans_num)s)
ORDER BY a.created_at, a.trans_num
LIMIT %(limit)s
