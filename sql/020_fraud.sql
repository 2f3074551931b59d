-- Fraud alerts: explainable rules scored as each file loads (chalicelib/fraud.py runs
-- chalicelib/sql/fraud_*.sql inside the loader's transaction; the weights are in chalicelib/fraud_rules.py).
-- Only transactions that score at or above the stage's threshold get a row here; the score of the others is
-- not kept. Labels (is_fraud) are never read by the scoring: they arrive later and only measure it.

-- A rule's strength for signal x: a logistic curve through 0.5 at `mid`, 0 where the signal is unknown (NULL:
-- not enough history). exp's argument is clamped so no input overflows. Plain SQL, so the planner inlines it.
CREATE FUNCTION fraud_strength(x float8, mid float8, width float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN x IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (mid - x) / width)))) END
$$;

CREATE TABLE fraud_alert (
    trans_num     text COLLATE "C" PRIMARY KEY REFERENCES card_transaction ON DELETE CASCADE,
    score         numeric(5,4) NOT NULL CHECK (score BETWEEN 0 AND 1),
    reasons       text[] NOT NULL CHECK (cardinality(reasons) > 0),  -- 'rule: detail', strongest first
    rule_version  text COLLATE "C" NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- The API pages by (created_at, trans_num); the dashboard counts by created_at.
CREATE INDEX fraud_alert_created_idx ON fraud_alert (created_at, trans_num);

-- Per category, the amounts a baseline says are high: percentiles of the category's recent transactions
-- that raised no alert (so a burst of fraud cannot raise its own bar). Refreshed by the scoring when it is
-- older, in transaction time, than the refresh interval (chalicelib/sql/fraud_baseline.sql).
CREATE TABLE fraud_category_baseline (
    category      text COLLATE "C" PRIMARY KEY,
    amt_p50       numeric(12,2) NOT NULL,
    amt_p90       numeric(12,2) NOT NULL,
    amt_p99       numeric(12,2) NOT NULL,
    sample_rows   integer NOT NULL,
    through_time  timestamp NOT NULL,  -- the latest transaction time the sample covers
    refreshed_at  timestamptz NOT NULL DEFAULT now()
);

-- A transaction with its alert, if it raised one: the "score column" without widening the fact table.
-- score is NULL for a transaction below the threshold (or loaded with scoring off).
CREATE VIEW card_transaction_alert AS
SELECT t.trans_num, t.card_token, t.trans_date_trans_time, t.amt, t.category, t.is_fraud,
       a.score, a.reasons, a.rule_version, a.created_at AS alerted_at
FROM card_transaction t
LEFT JOIN fraud_alert a USING (trans_num);

-- The loader writes alerts and refreshes baselines; it never deletes them.
GRANT SELECT, INSERT ON fraud_alert TO cardstream_loader;
GRANT SELECT, INSERT, UPDATE ON fraud_category_baseline TO cardstream_loader;
GRANT SELECT ON card_transaction_alert TO cardstream_loader;

-- Alert tiles for the reporting role (dashboard and QuickSight): counts only, no card, no amount per card.
-- fraud_class is spelled out as reporting.fraud_class (010) spells it, so this file does not depend on 010.
-- Alerts per hour of the transaction time, with the labels known so far.
CREATE VIEW reporting.alerts_per_hour AS
SELECT date_trunc('hour', t.trans_date_trans_time) AS hour, t.is_fraud,
       CASE WHEN t.is_fraud THEN 'fraud' WHEN NOT t.is_fraud THEN 'not_fraud' ELSE 'unlabelled' END AS fraud_class,
       count(*) AS alerts, sum(t.amt) AS volume_usd, avg(a.score)::float8 AS avg_score
FROM fraud_alert a
JOIN card_transaction t USING (trans_num)
GROUP BY 1, t.is_fraud;

-- Why alerts fire: one row per rule (the part of a reason before ':') and fraud class.
CREATE VIEW reporting.alert_reasons AS
SELECT split_part(r.reason, ':', 1) AS rule, t.is_fraud,
       CASE WHEN t.is_fraud THEN 'fraud' WHEN NOT t.is_fraud THEN 'not_fraud' ELSE 'unlabelled' END AS fraud_class,
       count(*) AS alerts
FROM fraud_alert a
JOIN card_transaction t USING (trans_num)
CROSS JOIN LATERAL unnest(a.reasons) AS r(reason)
GROUP BY 1, t.is_fraud;

-- Alert rate, per day of the transaction time and fraud class: alerts / transactions, and how many
-- labelled frauds raised an alert (recall so far, once labels arrive).
CREATE VIEW reporting.alert_rate AS
SELECT t.trans_date_trans_time::date AS day, t.is_fraud,
       CASE WHEN t.is_fraud THEN 'fraud' WHEN NOT t.is_fraud THEN 'not_fraud' ELSE 'unlabelled' END AS fraud_class,
       count(*) AS transactions, count(a.trans_num) AS alerts
FROM card_transaction t
LEFT JOIN fraud_alert a USING (trans_num)
GROUP BY 1, t.is_fraud;

GRANT SELECT ON reporting.alerts_per_hour, reporting.alert_reasons, reporting.alert_rate TO cardstream_reporting;
