-- Model quality over time, from the labels as they arrive (is_fraud is NULL until then): per week of transaction
-- time, the alerts, those confirmed (labelled fraud), the false ones (labelled not fraud), those still unlabelled,
-- the frauds no alert caught, and precision / recall over the labelled rows so far (NULL while nothing is
-- labelled). model_versions names what raised the week's alerts (fraud_alert.rule_version: the model's version,
-- or a policy rule set's). Counts only: no card, no amount per card, like the other reporting views.
CREATE VIEW reporting.model_quality_weekly AS
SELECT w.week, w.model_versions, w.transactions, w.alerts, w.confirmed, w.false_alerts, w.unlabelled_alerts,
       w.missed_frauds,
       w.confirmed::float8 / nullif(w.confirmed + w.false_alerts, 0) AS precision,
       w.confirmed::float8 / nullif(w.confirmed + w.missed_frauds, 0) AS recall
FROM (
    SELECT date_trunc('week', t.trans_date_trans_time)::date AS week,
           string_agg(DISTINCT a.rule_version, ', ') AS model_versions,
           count(*) AS transactions,
           count(a.trans_num) AS alerts,
           count(a.trans_num) FILTER (WHERE t.is_fraud) AS confirmed,
           count(a.trans_num) FILTER (WHERE NOT t.is_fraud) AS false_alerts,
           count(a.trans_num) FILTER (WHERE t.is_fraud IS NULL) AS unlabelled_alerts,
           count(*) FILTER (WHERE t.is_fraud AND a.trans_num IS NULL) AS missed_frauds
    FROM card_transaction t
    LEFT JOIN fraud_alert a USING (trans_num)
    GROUP BY 1
) w;

GRANT SELECT ON reporting.model_quality_weekly TO cardstream_reporting;
