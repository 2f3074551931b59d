-- First uses of categories (kind 'c', item the category) or merchants ('m', the merchant_id as text; only while
-- they are kept, sql/060_fraud_state_parts.sql), before the features read them. chalicelib/fraud/features.py fills
-- in the kind and the query of each card's first second with each item in the file (card_token, item, first_ts).
-- Those are stored where no stored first use is as early; a late row earlier than the stored first use moves it
-- back. The anti-join leaves out the pairs the card already has, so they are neither written nor locked. A row of
-- the file at a second this statement wrote is a first use (features_rows.sql finds them by the rows' xmin). Card
-- order: concurrent loads lock in one order (categories, then merchants).
INSERT INTO fraud_card_seen AS s (card_token, kind, item, first_ts)
SELECT c.card_token, {kind}, c.item, c.first_ts
FROM ({firsts}) c
WHERE NOT EXISTS (SELECT FROM fraud_card_seen o WHERE o.card_token = c.card_token AND o.kind = {kind}
                  AND o.item = c.item AND o.first_ts <= c.first_ts)
ORDER BY 1, 3
ON CONFLICT (card_token, kind, item) DO UPDATE SET first_ts = EXCLUDED.first_ts
WHERE EXCLUDED.first_ts < s.first_ts
