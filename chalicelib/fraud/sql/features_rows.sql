-- Each new transaction's features, from its card's compact state (sql/040_fraud_features.sql) and the row itself,
-- never from windows over card_transaction: the rows read per card are bounded by recent_days, whatever the
-- history. "Before it" means earlier in transaction time (a row at the same second counts as earlier for the
-- velocity windows; every row at a card's first second with a merchant or category is a first use), so a score
-- does not depend on how rows were cut into files, and a late row sees the windows as they were at its time (exact
-- while it is at most recent_days - 7 days older than its card's newest). The card's typical amount is its running
-- aggregate: for a late row it includes the card's later rows (order-independent sums; documented in docs/fraud.md).
-- Features without history are neutral, not NULL: ratio 1 (log 0), no previous = -1 hour, and n_prior says why.
-- A SELECT: chalicelib/fraud/features.py writes the columns a scorer asks for into fraud_features, and PostgreSQL
-- leaves out whatever no asked-for column needs (a window function, or a LEFT JOIN on a unique key that nothing
-- reads), so a model that reads no velocity feature pays for none of the windows. Keep it that way: a join a
-- feature needs is a LEFT JOIN on the joined side's key.
WITH cards AS MATERIALIZED (
    SELECT n.card_token, min(n.ts) - interval '7 days' AS since FROM fraud_new n GROUP BY n.card_token
),
timeline AS (  -- the cards' stored recent rows and the file's new rows (with their columns), one timeline per card
    SELECT r.card_token, r.ts, r.trans_num, r.cents::int4, false AS is_new, NULL::bigint AS merchant_id,
           NULL::text COLLATE "C" AS category, NULL::float8 AS amt, NULL::float8 AS lamt, NULL::float8 AS lat, NULL::float8 AS long,
           NULL::float8 AS home_lat, NULL::float8 AS home_long, NULL::float8 AS home_cos_lat,
           NULL::timestamp AS dob
    FROM cards c JOIN fraud_card_recent r ON r.card_token = c.card_token AND r.ts >= c.since
    UNION ALL
    SELECT n.card_token, n.ts, n.trans_num, n.cents::int4, true, n.merchant_id, n.category, n.amt, ln(n.amt + 1), n.lat, n.long,
           n.home_lat, n.home_long, n.home_cos_lat, n.dob
    FROM fraud_new n
),
windowed AS (  -- one sort (card, time, trans_num) serves every window; RANGE frames include the current row and
               -- its peers, and the row's own part is subtracted
    SELECT l.*,
           -- cents as int4 (the dictionary caps amt far below $21 million): sum(int4) adds plain bigints,
           -- where sum(bigint) would add in numeric
           (count(*) OVER h1 - 1)::float8 AS n_1h, (sum(l.cents) OVER h1 - l.cents) / 100.0::float8 AS amt_1h,
           (count(*) OVER d1 - 1)::float8 AS n_24h, (sum(l.cents) OVER d1 - l.cents) / 100.0::float8 AS amt_24h,
           (count(*) OVER d7 - 1)::float8 AS n_7d, (sum(l.cents) OVER d7 - l.cents) / 100.0::float8 AS amt_7d,
           lag(l.ts) OVER card_order AS prev_ts,
           -- what the file's earlier new rows add to the stored running aggregates
           count(*) FILTER (WHERE l.is_new) OVER card_order - 1 AS n_before,
           coalesce(sum(l.lamt) OVER card_order - l.lamt, 0) AS lamt_before  -- lamt is NULL on stored rows
    FROM timeline l
    WINDOW h1 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW),
           d1 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '24 hours' PRECEDING AND CURRENT ROW),
           d7 AS (PARTITION BY l.card_token ORDER BY l.ts RANGE BETWEEN interval '7 days' PRECEDING AND CURRENT ROW),
           card_order AS (PARTITION BY l.card_token ORDER BY l.ts, l.trans_num ROWS UNBOUNDED PRECEDING)
),
-- each category's running aggregates with the file's rows added, as features_category.sql then stores them (the
-- same sums, fraud_new_category: the same bits), so a category first seen in this file has a typical amount;
-- reading, not writing, keeps the categories' rows unlocked until the end of the load
category AS (
    SELECT c.category, coalesce(g.n, 0) + c.n AS n, coalesce(g.sum_lamt, 0) + c.sum_lamt AS sum_lamt
    FROM fraud_new_category c
    LEFT JOIN fraud_category_profile g ON g.category = c.category
)
-- whole numbers as float8 too: the model's SQL compares every feature as float8, without a cast per tree
SELECT f.trans_num, f.card_token, f.merchant_id, f.ts, f.category, f.amt,
       (coalesce(p.n, 0) + f.n_before)::float8 AS n_prior,
       -- ratios to the geometric-mean amount (of amt + 1): the card's own before it, and the category's
       CASE WHEN coalesce(p.n, 0) + f.n_before > 0
            THEN exp(f.lamt - (coalesce(p.sum_lamt, 0) + f.lamt_before) / (coalesce(p.n, 0) + f.n_before))
            ELSE 1 END AS amt_vs_card,
       exp(f.lamt - g.sum_lamt / g.n) AS amt_vs_category,
       CASE WHEN coalesce(p.n, 0) + f.n_before > 0
            THEN exp((coalesce(p.sum_lamt, 0) + f.lamt_before) / (coalesce(p.n, 0) + f.n_before)) - 1 END AS card_typical,
       exp(g.sum_lamt / g.n) - 1 AS category_typical,
       date_part('hour', f.ts) AS hour,
       (date_part('hour', f.ts) >= 22 OR date_part('hour', f.ts) < 4)::int::float8 AS night,
       date_part('year', age(f.ts, f.dob)) AS age,
       2 * 6371.0 * asin(least(1, sqrt(  -- haversine km from the cardholder's home to the merchant
           sin((f.lat - f.home_lat) / 2) ^ 2 + f.home_cos_lat * cos(f.lat) * sin((f.long - f.home_long) / 2) ^ 2)))
           AS km,
       -- first uses: features_seen.sql stored the file's first uses just before, only where no stored one was as
       -- early; a row is a first use when it is at its card's stored first second with the merchant / category and
       -- this transaction wrote that (xmin: the load runs in its transaction, not in a savepoint)
       coalesce(f.ts = um.first_ts AND um.xmin = pg_current_xact_id()::xid, false)::int::float8 AS new_merchant,
       coalesce(f.ts = uc.first_ts AND uc.xmin = pg_current_xact_id()::xid, false)::int::float8 AS new_category,
       -- the previous row: in the timeline, else the stored newest when it is earlier (rows in order), else at
       -- least the 7 days the timeline covers (a late row whose card has only older or only later history)
       coalesce(date_part('epoch', f.ts - f.prev_ts) / 3600.0,
                CASE WHEN p.last_ts < f.ts THEN date_part('epoch', f.ts - p.last_ts) / 3600.0
                     WHEN p.first_ts < f.ts THEN 168 END,
                -1)::float8 AS hours_since_prev,
       f.n_1h, f.amt_1h, f.n_24h, f.amt_24h, f.n_7d, f.amt_7d
FROM windowed f
LEFT JOIN category g ON g.category = f.category
LEFT JOIN fraud_card_profile p ON p.card_token = f.card_token
LEFT JOIN fraud_card_seen um ON um.card_token = f.card_token AND um.kind = 'm' AND um.item = f.merchant_id::text
LEFT JOIN fraud_card_seen uc ON uc.card_token = f.card_token AND uc.kind = 'c' AND uc.item = f.category
WHERE f.is_new
