-- Dashboard views: one per tile of "Real Time Credit Card Fraud Monitoring", read by QuickSight
-- (docs/quicksight.md) and by the local dashboard (client/dashboard.py) as cardstream_reporting.
-- Aggregates and merchant locations only: no names, streets, dates of birth, card tokens or card digits.
-- No view limits or ranks: a filter must apply before a top 5 is taken, so the reader ranks.
-- Every transaction view carries is_fraud (NULL = not labelled yet) and fraud_class, the field the
-- fraud-status filter uses. A new tile (fraud alerts) is a new view in this schema, in a later migration.

-- The one place a fraud class is named. Labels arrive late, so an unlabelled transaction is its own class.
CREATE FUNCTION reporting.fraud_class(is_fraud boolean) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN is_fraud THEN 'fraud' WHEN NOT is_fraud THEN 'not_fraud' ELSE 'unlabelled' END;

-- Headline numbers: sum(transactions), sum(volume_usd), sum(fraud_transactions), count distinct state.
-- The state is the cardholder's (current address); the grain is (state, is_fraud) so the filter applies.
CREATE VIEW reporting.headline AS
SELECT a.state::text AS state, t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd,
       count(*) FILTER (WHERE t.is_fraud) AS fraud_transactions
FROM card_transaction t
JOIN customer c ON c.card_token = t.card_token
JOIN customer_address a ON a.address_id = c.address_id
GROUP BY a.state, t.is_fraud;

-- Fraud by location: where transactions happened (merchant lat/long), counted per 0.1-degree cell
-- (about 11 km), so a map of millions of rows stays a few thousand points.
CREATE VIEW reporting.fraud_by_location AS
SELECT round(t.merch_lat, 1) AS latitude, round(t.merch_long, 1) AS longitude,
       t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd
FROM card_transaction t
GROUP BY 1, 2, t.is_fraud;

-- Top 5 fraud by state: rank states by transactions where is_fraud.
CREATE VIEW reporting.fraud_by_state AS
SELECT a.state::text AS state, t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd
FROM card_transaction t
JOIN customer c ON c.card_token = t.card_token
JOIN customer_address a ON a.address_id = c.address_id
GROUP BY a.state, t.is_fraud;

-- Top 5 fraud by merchant. The data set puts "fraud_" before every merchant name; it is not a label,
-- so the view shows the name without it.
CREATE VIEW reporting.fraud_by_merchant AS
SELECT m.merchant_id, regexp_replace(m.name, '^fraud_', '') AS merchant,
       t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd
FROM card_transaction t
JOIN merchant m ON m.merchant_id = t.merchant_id
GROUP BY m.merchant_id, t.is_fraud;

-- Fraud by category (pie).
CREATE VIEW reporting.fraud_by_category AS
SELECT t.category::text AS category, t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd
FROM card_transaction t
GROUP BY t.category, t.is_fraud;

-- Daily volume trend, by the day of the transaction time (as given, no time zone).
CREATE VIEW reporting.daily_volume AS
SELECT t.trans_date_trans_time::date AS day, t.is_fraud, reporting.fraud_class(t.is_fraud) AS fraud_class,
       count(*) AS transactions, sum(t.amt) AS volume_usd
FROM card_transaction t
GROUP BY 1, t.is_fraud;

-- Pipeline health, one row: when the last file was loaded, what loaded and what was rejected in the last
-- hour (by the time its file finished), and all rejected rows. checked_at is the database's clock, so a
-- reader can say how old the data is.
CREATE VIEW reporting.pipeline_health AS
SELECT now() AS checked_at, last.finished_at AS last_loaded_at, last.key AS last_loaded_key,
       recent.files AS files_loaded_last_hour, recent.rows_inserted AS rows_loaded_last_hour,
       recent.rows_rejected AS rejected_rows_last_hour,
       (SELECT count(*) FROM rejected_row) AS rejected_rows,
       (SELECT count(*) FROM ingest_file WHERE status = 'rejected') AS files_rejected
FROM (SELECT count(*) FILTER (WHERE status = 'loaded') AS files,
             coalesce(sum(rows_inserted), 0) AS rows_inserted, coalesce(sum(rows_rejected), 0) AS rows_rejected
      FROM ingest_file WHERE finished_at >= now() - interval '1 hour') AS recent
LEFT JOIN LATERAL (SELECT finished_at, key FROM ingest_file WHERE status = 'loaded'
                   ORDER BY finished_at DESC NULLS LAST LIMIT 1) AS last ON true;

-- Files in the ledger by status, with the rows they brought.
CREATE VIEW reporting.ingest_files_by_status AS
SELECT status, count(*) AS files, sum(rows_total) AS rows_total, sum(rows_inserted) AS rows_inserted,
       sum(rows_duplicate) AS rows_duplicate, sum(rows_rejected) AS rows_rejected,
       sum(labels_updated) AS labels_updated, max(finished_at) AS last_finished_at
FROM ingest_file
GROUP BY status;

-- Explicit, although the schema's default privileges grant the same: a migration run by another owner
-- must not leave a tile unreadable.
GRANT SELECT ON reporting.headline, reporting.fraud_by_location, reporting.fraud_by_state,
    reporting.fraud_by_merchant, reporting.fraud_by_category, reporting.daily_volume,
    reporting.pipeline_health, reporting.ingest_files_by_status TO cardstream_reporting;
