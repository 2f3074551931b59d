-- Fraud by category (reporting.fraud_by_category).
SELECT category, is_fraud, fraud_class, count(*) AS transactions, sum(amt) AS volume_usd
FROM transactions_reporting
GROUP BY category, is_fraud, fraud_class
