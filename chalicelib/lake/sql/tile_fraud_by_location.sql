-- Fraud by location (reporting.fraud_by_location): merchant locations in 0.1-degree cells.
SELECT round(merch_lat, 1) AS latitude, round(merch_long, 1) AS longitude, is_fraud, fraud_class,
       count(*) AS transactions, sum(amt) AS volume_usd
FROM transactions_reporting
GROUP BY round(merch_lat, 1), round(merch_long, 1), is_fraud, fraud_class
