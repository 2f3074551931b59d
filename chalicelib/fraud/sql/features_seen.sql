-- First uses of merchants and categories: only the rows the features found to be first uses (those at a card's
-- first second with the merchant or category); a late row earlier than the stored first use moves it back.
INSERT INTO fraud_card_seen AS s (card_token, kind, item, first_ts)
SELECT card_token, kind, item, min(ts)
FROM (SELECT f.card_token, 'm'::"char" AS kind, f.merchant_id::text AS item, f.ts
      FROM fraud_features f WHERE f.new_merchant = 1
      UNION ALL
      SELECT f.card_token, 'c'::"char", f.category, f.ts FROM fraud_features f WHERE f.new_category = 1) u
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
ON CONFLICT (card_token, kind, item) DO UPDATE SET first_ts = EXCLUDED.first_ts
WHERE EXCLUDED.first_ts < s.first_ts
