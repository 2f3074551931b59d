-- First uses of merchants, as features_seen.sql does for categories; run only while the merchant first uses are
-- kept (sql/060_fraud_state_parts.sql).
WITH written AS (
    INSERT INTO fraud_card_seen AS s (card_token, kind, item, first_ts)
    SELECT c.card_token, 'm', c.item, c.first_ts
    FROM (SELECT n.card_token, n.merchant_id::text AS item, min(n.ts) AS first_ts FROM fraud_new n GROUP BY 1, 2) c
    WHERE NOT EXISTS (SELECT FROM fraud_card_seen o WHERE o.card_token = c.card_token AND o.kind = 'm'
                      AND o.item = c.item AND o.first_ts <= c.first_ts)
    ORDER BY 1, 3
    ON CONFLICT (card_token, kind, item) DO UPDATE SET first_ts = EXCLUDED.first_ts
    WHERE EXCLUDED.first_ts < s.first_ts
    RETURNING s.card_token, s.kind, s.item, s.first_ts
)
INSERT INTO fraud_first_use (card_token, kind, item, first_ts) SELECT * FROM written
