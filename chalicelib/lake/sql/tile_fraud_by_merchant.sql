-- Top fraud by merchant (reporting.fraud_by_merchant): the data set's "fraud_" name prefix is not a label.
SELECT regexp_replace(merchant, '^fraud_', '') AS merchant, is_fraud, fraud_class,
       count(*) AS transactions, sum(amt) AS volume_usd
FROM transactions_reporting
GROUP BY merchant, is_fraud, fraud_class
