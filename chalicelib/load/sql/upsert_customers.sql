-- Each card's latest good combination by transaction time (ties: the later line), stored when the card is
-- new or the combination is newer than the stored one. A file loaded late cannot overwrite newer values:
-- the NOT EXISTS skips what is older without locking, the ON CONFLICT ... WHERE settles races. A card
-- seen at a new address moves to it. Card order, so concurrent loads lock rows in the same order.
INSERT INTO customer AS k (card_token, cc_last4, first, last, gender, dob, job, address_id, last_seen)
SELECT DISTINCT ON (c.card_token)
       c.card_token, c.cc_last4, c.first, c.last, c.gender, c.dob::date, c.job, a.address_id,
       c.last_seen::timestamp
FROM customer_seen c
JOIN customer_address a ON a.street = c.street AND a.city = c.city
                       AND a.state = c.state::char(2) AND a.zip = c.zip::char(5)
WHERE c.reason IS NULL AND c.last_seen IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM customer x
                  WHERE x.card_token = c.card_token AND x.last_seen >= c.last_seen::timestamp)
ORDER BY c.card_token, c.last_seen DESC, c.last_line DESC
ON CONFLICT (card_token) DO UPDATE
SET cc_last4 = EXCLUDED.cc_last4, first = EXCLUDED.first, last = EXCLUDED.last, gender = EXCLUDED.gender,
    dob = EXCLUDED.dob, job = EXCLUDED.job, address_id = EXCLUDED.address_id,
    last_seen = EXCLUDED.last_seen, updated_at = now()
WHERE k.last_seen < EXCLUDED.last_seen
