-- Bounded hot storage (issue 18): transactions, their alerts and rejected rows stay in PostgreSQL for the
-- stage's HOT_DAYS after they were loaded; the raw files in S3 (the lake, docs/athena.md) keep all history.
-- The ledger (ingest_file) stays longer, LEDGER_DAYS, so that no redelivered file can load twice
-- (chalicelib/retention.py says how long and why). Rows leave in small batched deletes that skip locked rows,
-- never by a table lock, so loads running at the same time are not blocked (docs/capacity.md, "Retention").

-- Retention finds old rows by load time. Rows are appended in load order, so a BRIN index serves the
-- range at almost no upkeep for the loader (a btree would cost every insert a probe).
CREATE INDEX card_transaction_loaded_brin ON card_transaction USING brin (loaded_at);

-- One row per retention run: what the window was and what left. The hot window the dashboards and the
-- read API speak of is the last run's hot_cutoff.
CREATE TABLE retention_run (
    run_id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at             timestamptz NOT NULL DEFAULT now(),
    finished_at            timestamptz,
    hot_days               integer NOT NULL CHECK (hot_days > 0),
    ledger_days            integer NOT NULL CHECK (ledger_days >= hot_days),
    hot_cutoff             timestamptz NOT NULL,  -- rows loaded before this left
    ledger_cutoff          timestamptz NOT NULL,  -- ledger rows of files started before this left
    transactions_deleted   bigint NOT NULL DEFAULT 0,
    alerts_deleted         bigint NOT NULL DEFAULT 0,
    rejected_rows_deleted  bigint NOT NULL DEFAULT 0,
    files_forgotten        bigint NOT NULL DEFAULT 0,
    complete               boolean NOT NULL DEFAULT false  -- false: stopped at its time budget or a locked row
);

-- The retention job's role: it reads and deletes the four tables and records its runs, nothing else.
-- NOLOGIN, like the others: the deploy's set-up grants it to the functions' login, and the retention
-- function drops to it with DB_ROLE; the loader's role still has no DELETE.
DO $$
BEGIN
    CREATE ROLE cardstream_retention NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN  -- made by another database's migration
    NULL;
END $$;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO cardstream_retention', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO cardstream_retention;
GRANT SELECT, DELETE ON card_transaction, fraud_alert, rejected_row, ingest_file TO cardstream_retention;
GRANT SELECT, INSERT, UPDATE ON retention_run TO cardstream_retention;
-- SELECT ... FOR UPDATE SKIP LOCKED (take only rows no load holds) needs an UPDATE right; one column's is
-- enough, and the load time of a row the role may delete anyway is the least it can be given.
GRANT UPDATE (loaded_at) ON card_transaction TO cardstream_retention;

-- What is hot, for the dashboards and QuickSight: one row. hot_since is NULL while retention has never run
-- (the local stage: everything loaded is still here).
CREATE VIEW reporting.hot_window AS
SELECT r.hot_days, r.hot_cutoff AS hot_since, r.ledger_days, r.finished_at AS last_run_at, r.complete
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT * FROM retention_run WHERE finished_at IS NOT NULL
                   ORDER BY run_id DESC LIMIT 1) AS r ON true;

GRANT SELECT ON reporting.hot_window TO cardstream_reporting;
