-- First uses of merchants and categories: a late row earlier than the stored first use moves it back.
INSERT INTO fraud_card_seen AS s (card_token, kind, item, first_ts)
SELECT card_token, kind, item, min(ts)
FROM (SELECT n.card_token, 'm'::"char" AS kind, n.merchant_id::text AS item, n.ts FROM fraud_new n
      UNION ALL
      SELECT n.card_token, 'c'::"char", n.category, n.ts FROM fraud_new n) u
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
ON CONFLICT (card_token, kind, item) DO UPDATE SET first_ts = EXCLUDED.first_ts
WHERE EXCLUDED.first_ts < s.first_ts
