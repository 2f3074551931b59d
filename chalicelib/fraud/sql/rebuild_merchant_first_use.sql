-- The merchant first uses rebuilt from the stored rows, for a model that reads new_merchant after a model that
-- did not (sql/060_fraud_state_parts.sql). The rows this transaction inserted (loaded_at = now()) are left out:
-- the features then add them as for any file. Rows retention has deleted are gone, so a merchant a card last
-- used before the hot window counts as new again (docs/fraud.md).
DELETE FROM fraud_card_seen WHERE kind = 'm';
INSERT INTO fraud_card_seen (card_token, kind, item, first_ts)
SELECT card_token, 'm', merchant_id::text, min(trans_date_trans_time)
FROM card_transaction WHERE loaded_at <> now()
GROUP BY 1, 3;
INSERT INTO fraud_state_part (part) VALUES ('merchant_first_use') ON CONFLICT (part) DO NOTHING
