-- Each new transaction's features, from its card's compact state (sql/040_fraud_features.sql) and the row itself,
-- never from windows over card_transaction: the rows read per card are bounded by recent_days, whatever the
-- history. "Before it" means earlier in transaction time (a row at the same second counts as earlier for the
-- velocity windows, and the lower trans_num as the earlier for first use), so a score does not depend on how rows
-- were cut into files, and a late row sees the windows as they were at its time (exact while it is at most
-- recent_days - 7 days older than its card's newest). The card's typical amount is its running aggregate: for a
-- late row it includes the card's later rows (order-independent sums; documented in docs/fraud.md).
-- Features without history are neutral, not NULL: ratio 1 (log 0), no previous = -1 hour, and n_prior says why.
CREATE TEMP TABLE fraud_features ON COMMIT DROP AS
WITH cards AS MATERIALIZED (
    SELECT n.card_token, min(n.ts) - interval '7 days' AS since FROM fraud_new n GROUP BY n.card_token
),
timeline AS (  -- the cards' stored recent rows and the file's new rows, one timeline per card
    SELECT r.card_token, r.ts, r.trans_num, r.cents, false AS is_new
    FROM cards c JOIN fraud_card_recent r ON r.card_token = c.card_token AND r.ts >= c.since
    UNION ALL
    SELECT n.card_token, n.ts, n.trans_num, n.cents, true FROM fraud_new n
),
velocity AS (  -- frames end at the current row and include it; its own part is subtracted
    SELECT l.trans_num, l.is_new,
           count(*) OVER h1 - 1 AS n_1h, (sum(l.cents) OVER h1 - l.cents) / 100.0::float8 AS amt_1h,
           count(*) OVER d1 - 1 AS n_24h, (sum(l.cents) OVER d1 - l.cents) / 100.0::float8 AS amt_24h,
           count(*) OVER d7 - 1 AS n_7d, (sum(l.cents) OVER d7 - l.cents) / 100.0::float8 AS amt_7d,
           lag(l.ts) OVER (PARTITION BY l.card_token ORDER BY l.ts, l.trans_num) AS prev_ts
    FROM timeline l
    WINDOW h1 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW),
           d1 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '24 hours' PRECEDING AND CURRENT ROW),
           d7 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '7 days' PRECEDING AND CURRENT ROW)
),
in_file AS (  -- what the file's earlier new rows add to the stored aggregates, and first uses within the file
    SELECT n.*, ln(n.amt + 1) AS lamt,
           count(*) OVER card_order - 1 AS n_before,
           coalesce(sum(ln(n.amt + 1)) OVER card_order - ln(n.amt + 1), 0) AS lamt_before,
           row_number() OVER (PARTITION BY n.card_token, n.merchant_id ORDER BY n.ts, n.trans_num) = 1 AS first_merchant,
           row_number() OVER (PARTITION BY n.card_token, n.category ORDER BY n.ts, n.trans_num) = 1 AS first_category
    FROM fraud_new n
    WINDOW card_order AS (PARTITION BY n.card_token ORDER BY n.ts, n.trans_num ROWS UNBOUNDED PRECEDING)
)
SELECT f.trans_num, f.card_token, f.merchant_id, f.ts, f.category, f.amt,
       coalesce(p.n, 0) + f.n_before AS n_prior,
       -- ratios to the geometric-mean amount (of amt + 1): the card's own before it, and the category's
       CASE WHEN coalesce(p.n, 0) + f.n_before > 0
            THEN exp(f.lamt - (coalesce(p.sum_lamt, 0) + f.lamt_before) / (coalesce(p.n, 0) + f.n_before))
            ELSE 1 END AS amt_vs_card,
       exp(f.lamt - g.sum_lamt / g.n) AS amt_vs_category,
       CASE WHEN coalesce(p.n, 0) + f.n_before > 0
            THEN exp((coalesce(p.sum_lamt, 0) + f.lamt_before) / (coalesce(p.n, 0) + f.n_before)) - 1 END AS card_typical,
       exp(g.sum_lamt / g.n) - 1 AS category_typical,
       -- whole numbers as float8 too: the model's SQL compares every feature as float8, without a cast per tree
       extract(hour FROM f.ts)::float8 AS hour,
       (extract(hour FROM f.ts) >= 22 OR extract(hour FROM f.ts) < 4)::int::float8 AS night,
       extract(year FROM age(f.ts, f.dob::timestamp))::float8 AS age,
       2 * 6371.0 * asin(least(1, sqrt(  -- haversine km from the cardholder's home to the merchant
           sin((f.lat - f.home_lat) / 2) ^ 2 + cos(f.home_lat) * cos(f.lat) * sin((f.long - f.home_long) / 2) ^ 2)))
           AS km,
       (f.first_merchant AND NOT coalesce(sm.first_ts <= f.ts, false))::int::float8 AS new_merchant,
       (f.first_category AND NOT coalesce(sc.first_ts <= f.ts, false))::int::float8 AS new_category,
       -- the previous row: in the timeline, else the stored newest when it is earlier (rows in order), else at
       -- least the 7 days the timeline covers (a late row whose card has only older or only later history)
       coalesce(extract(epoch FROM f.ts - v.prev_ts) / 3600.0,
                CASE WHEN p.last_ts < f.ts THEN extract(epoch FROM f.ts - p.last_ts) / 3600.0
                     WHEN p.first_ts < f.ts THEN 168 END,
                -1)::float8 AS hours_since_prev,
       v.n_1h, v.amt_1h, v.n_24h, v.amt_24h, v.n_7d, v.amt_7d
FROM in_file f
JOIN velocity v ON v.trans_num = f.trans_num AND v.is_new
JOIN fraud_category_profile g ON g.category = f.category  -- updated with this file's rows first
LEFT JOIN fraud_card_profile p ON p.card_token = f.card_token
LEFT JOIN fraud_card_seen sm ON sm.card_token = f.card_token AND sm.kind = 'm' AND sm.item = f.merchant_id::text
LEFT JOIN fraud_card_seen sc ON sc.card_token = f.card_token AND sc.kind = 'c' AND sc.item = f.category
ORDER BY f.trans_num
