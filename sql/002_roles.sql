-- Least-privilege roles, and the reporting schema the reporting role reads.
-- Roles are cluster-wide (other databases on the server share them); grants are per database.
-- They are NOLOGIN: a deployment grants them to its login users (GRANT cardstream_loader TO app_user),
-- or a session drops to one with SET ROLE (the DB_ROLE setting).
DO $$
BEGIN
    CREATE ROLE cardstream_loader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN  -- made by another database's migration
    NULL;
END $$;

DO $$
BEGIN
    CREATE ROLE cardstream_reporting NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO cardstream_loader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO cardstream_reporting', current_database());
END $$;

-- The loader: reads and writes the pipeline's tables. No DELETE or TRUNCATE (nothing it loaded can be
-- lost through it), no DDL (it owns nothing); TEMPORARY for its staging tables.
GRANT USAGE ON SCHEMA public TO cardstream_loader;
GRANT SELECT, INSERT, UPDATE
    ON customer_address, merchant, customer, card_transaction, ingest_file, rejected_row
    TO cardstream_loader;

-- The reporting role: SELECT on the views in schema `reporting`, nothing else. The views run with their
-- owner's rights, so the base tables stay closed to it, and no view shows names, streets, dates of
-- birth, card tokens or the rejected rows' raw data. Views added by later migrations in this schema
-- are readable through the default privileges below.
CREATE SCHEMA reporting;
GRANT USAGE ON SCHEMA reporting TO cardstream_reporting;
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO cardstream_reporting;

-- One row per transaction with its merchant and the cardholder's location (the customer's current one).
CREATE VIEW reporting.transactions AS
SELECT t.trans_num, t.trans_date_trans_time, t.amt, t.category, m.name AS merchant,
       t.merch_lat, t.merch_long, t.is_fraud,
       c.gender, a.city, a.state, a.zip, a.lat, a.long, a.city_pop,
       t.loaded_at
FROM card_transaction t
JOIN merchant m USING (merchant_id)
JOIN customer c USING (card_token)
JOIN customer_address a USING (address_id);

-- Pipeline health: the ledger, and why rows were rejected (without the rows themselves).
CREATE VIEW reporting.ingest_files AS
SELECT file_id, bucket, key, etag, status, reason, rows_total, rows_inserted, rows_duplicate,
       rows_rejected, labels_updated, started_at, finished_at
FROM ingest_file;

CREATE VIEW reporting.rejected_rows AS
SELECT f.key AS source_key, r.line_no, r.reason, f.started_at AS loaded_at
FROM rejected_row r
JOIN ingest_file f USING (file_id);

GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO cardstream_reporting;
