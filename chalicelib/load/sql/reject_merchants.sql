-- Rows whose merchant or category broke a rule take that reason too (run only when some pair did).
UPDATE stage s SET reason = concat_ws('; ', s.reason, m.reason)
FROM merchant_seen m
WHERE m.reason IS NOT NULL AND s.merchant = m.merchant AND s.category = m.category
