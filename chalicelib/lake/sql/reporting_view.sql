-- What the tiles read: the curated table with its fraud class, named as reporting.fraud_class (sql/010)
-- names it (labels arrive late, so an unlabelled transaction is its own class).
CREATE OR REPLACE VIEW transactions_reporting AS
SELECT t.*,
       CASE WHEN t.is_fraud THEN 'fraud' WHEN NOT t.is_fraud THEN 'not_fraud' ELSE 'unlabelled' END AS fraud_class
FROM transactions t
