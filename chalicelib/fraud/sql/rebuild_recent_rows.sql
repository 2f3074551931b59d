-- Each card's recent rows rebuilt from the stored rows (those within recent_days of the card's newest before
-- this file), for a model that reads a velocity feature after a model that did not (sql/060_fraud_state_parts.sql).
-- The rows this transaction inserted (loaded_at = now()) are left out: features_recent.sql adds them as for any file.
DELETE FROM fraud_card_recent;
INSERT INTO fraud_card_recent (card_token, ts, trans_num, cents)
SELECT t.card_token, t.trans_date_trans_time, t.trans_num, (t.amt * 100)::bigint
FROM card_transaction t JOIN fraud_card_profile p USING (card_token)
WHERE t.trans_date_trans_time >= p.last_ts - make_interval(days => %(recent_days)s) AND t.loaded_at <> now();
INSERT INTO fraud_state_part (part) VALUES ('recent_rows') ON CONFLICT (part) DO NOTHING
