-- Daily volume (reporting.daily_volume), by transaction date; a date filter here prunes the table's
-- partitions, which is what keeps the bytes scanned (and the bill) down.
SELECT trans_date AS day, is_fraud, fraud_class, count(*) AS transactions, sum(amt) AS volume_usd
FROM transactions_reporting
GROUP BY trans_date, is_fraud, fraud_class
