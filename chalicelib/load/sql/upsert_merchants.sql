-- Merchants of the file's good rows that are not stored yet, in name order (see upsert_addresses.sql).
INSERT INTO merchant (name)
SELECT DISTINCT d.merchant
FROM merchant_seen d
WHERE d.reason IS NULL AND d.has_good_rows
  AND NOT EXISTS (SELECT 1 FROM merchant m WHERE m.name = d.merchant)
ORDER BY d.merchant
ON CONFLICT ON CONSTRAINT merchant_name_key DO NOTHING
