-- The new rows join their cards' recent rows; then each card of the file drops the rows more than recent_days
-- older than its newest (fraud_card_profile.last_ts, already updated), so the state per card stays bounded.
INSERT INTO fraud_card_recent (card_token, ts, trans_num, cents)
SELECT n.card_token, n.ts, n.trans_num, n.cents FROM fraud_new n
JOIN fraud_card_profile p ON p.card_token = n.card_token
WHERE n.ts >= p.last_ts - make_interval(days => %(recent_days)s)
ORDER BY 1, 2, 3;
DELETE FROM fraud_card_recent r
USING (SELECT DISTINCT n.card_token FROM fraud_new n) c
JOIN fraud_card_profile p ON p.card_token = c.card_token
WHERE r.card_token = c.card_token AND r.ts < p.last_ts - make_interval(days => %(recent_days)s)
