-- Rows whose cardholder fields broke a rule take that reason too (run only when some combination did);
-- then a merchant whose rows are now all rejected is not stored.
UPDATE stage s SET reason = concat_ws('; ', s.reason, c.reason)
FROM customer_seen c
WHERE c.reason IS NOT NULL
  AND s.card_token = c.card_token AND s.cc_last4 = c.cc_last4 AND s.first = c.first AND s.last = c.last
  AND s.gender = c.gender AND s.street = c.street AND s.city = c.city AND s.state = c.state AND s.zip = c.zip
  AND s.lat = c.lat AND s.long = c.long AND s.city_pop = c.city_pop AND s.job = c.job AND s.dob = c.dob;

UPDATE merchant_seen m SET has_good_rows = false
WHERE has_good_rows AND NOT EXISTS (SELECT 1 FROM stage s
                                    WHERE s.reason IS NULL AND s.merchant = m.merchant AND s.category = m.category)
