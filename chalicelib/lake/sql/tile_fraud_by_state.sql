-- Top fraud by state (reporting.fraud_by_state): the reader ranks, after its filter.
SELECT state, is_fraud, fraud_class, count(*) AS transactions, sum(amt) AS volume_usd
FROM transactions_reporting
GROUP BY state, is_fraud, fraud_class
