-- Headline numbers over all history (reporting.headline): transactions, volume and frauds per state and class.
-- The state is the cardholder's at the time of the transaction (PostgreSQL's view takes the current one).
SELECT state, is_fraud, fraud_class, count(*) AS transactions, sum(amt) AS volume_usd,
       sum(CASE WHEN is_fraud THEN 1 ELSE 0 END) AS fraud_transactions
FROM transactions_reporting
GROUP BY state, is_fraud, fraud_class
