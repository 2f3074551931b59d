-- Score the file's new transactions in one query (chalicelib/fraud/scorer.py keeps its rows in a temporary table):
-- each against its card's history (stored rows and the rest of this file, from history_days before the card's
-- first transaction in the file), its category's bar (chalicelib/fraud/sql/baseline.sql: the category's row, or
-- the all-categories row '*' where the category has too few rows) and the cardholder's home. The new rows are
-- those this transaction inserted (loaded_at = now()); fraud_cards (chalicelib/fraud/sql/cards.sql) holds their
-- cards. Every window looks back only (a transaction at the same second counts as earlier), so a score does not
-- depend on how rows were cut into files. The card windows share one sort (card, time): each frame ends at the
-- current row and includes it, and the row's own part is subtracted (a frame exclusion would make PostgreSQL
-- recompute each frame from scratch). Amounts are summed as integer cents (exact, with an inverse for the
-- moving 24 h frame) and compared as float8 (cents / 100 is the same double as the decimal), so scores repeat
-- to the bit. Each level is an `OFFSET 0` subquery: the planner keeps it, so every value is computed once per
-- row without writing the rows out. Signals (x_*) are NULL where there is not enough history; the rules,
-- weights and curves are in chalicelib/fraud/rules.py. is_fraud is never read.
WITH bars AS MATERIALIZED (  -- a dozen rows: each category's p90 (typical) and p99 (high), as float8 once
    SELECT b.category, b.amt_p90::float8 AS typical, b.amt_p99::float8 AS high
    FROM fraud_category_baseline b
    WHERE b.sample_rows >= %(min_baseline_rows)s
)
SELECT * FROM (
SELECT st.*,
       -- score = 1 - prod(1 - weight * s): the rules as independent evidence, in a fixed order (the same bits).
       1 - (1 - %(amount_vs_card_weight)s * st.s_amount_vs_card)
           * (1 - %(amount_vs_category_weight)s * st.s_amount_vs_category)
           * (1 - %(night_high_amount_weight)s * st.s_night_high_amount)
           * (1 - %(night_time_weight)s * st.s_night_time)
           * (1 - %(velocity_1h_weight)s * st.s_velocity_1h)
           * (1 - %(velocity_24h_weight)s * st.s_velocity_24h)
           * (1 - %(burst_after_high_weight)s * st.s_burst_after_high)
           * (1 - %(distance_from_home_weight)s * st.s_distance_from_home)
           * (1 - %(new_category_high_weight)s * st.s_new_category_high) AS score
FROM (
    -- A rule's strength s = 1 / (1 + exp((mid - x) / width)), 0 where x is NULL; exp's argument is clamped so
    -- no input overflows. (Written out: sql/020's fraud_strength() is the same curve, but a SQL function call
    -- that the planner does not inline costs microseconds, nine times a row.)
    SELECT s.*,
           CASE WHEN s.x_amount_vs_card IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(amount_vs_card_mid)s - s.x_amount_vs_card) / %(amount_vs_card_width)s)))) END AS s_amount_vs_card,
           CASE WHEN s.x_amount_vs_category IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(amount_vs_category_mid)s - s.x_amount_vs_category) / %(amount_vs_category_width)s)))) END AS s_amount_vs_category,
           CASE WHEN s.x_night_high_amount IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(night_high_amount_mid)s - s.x_night_high_amount) / %(night_high_amount_width)s)))) END AS s_night_high_amount,
           CASE WHEN s.x_night_time IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(night_time_mid)s - s.x_night_time) / %(night_time_width)s)))) END AS s_night_time,
           CASE WHEN s.x_velocity_1h IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(velocity_1h_mid)s - s.x_velocity_1h) / %(velocity_1h_width)s)))) END AS s_velocity_1h,
           CASE WHEN s.x_velocity_24h IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(velocity_24h_mid)s - s.x_velocity_24h) / %(velocity_24h_width)s)))) END AS s_velocity_24h,
           CASE WHEN s.x_burst_after_high IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(burst_after_high_mid)s - s.x_burst_after_high) / %(burst_after_high_width)s)))) END AS s_burst_after_high,
           CASE WHEN s.x_distance_from_home IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(distance_from_home_mid)s - s.x_distance_from_home) / %(distance_from_home_width)s)))) END AS s_distance_from_home,
           CASE WHEN s.x_new_category_high IS NULL THEN 0 ELSE 1 / (1 + exp(least(50, greatest(-50, (%(new_category_high_mid)s - s.x_new_category_high) / %(new_category_high_width)s)))) END AS s_new_category_high
    FROM (
        SELECT w.trans_num, w.ts, w.amt, w.category, w.typical, w.high, w.km, w.n_1h,
               w.spend_24h / 100.0::float8 AS spend_24h, w.high_24h,
               CASE WHEN w.n_prior >= %(min_card_history)s
                    THEN (w.lamt - w.lamt_sum / w.n_prior)
                         / greatest(sqrt(greatest(w.lamt_sq - w.lamt_sum ^ 2 / w.n_prior, 0) / (w.n_prior - 1)), 0.5)
               END AS x_amount_vs_card,
               ln(greatest(w.amt, 0.01) / nullif(w.high, 0)) AS x_amount_vs_category,
               CASE WHEN w.night THEN ln(greatest(w.amt, 0.01) / nullif(w.typical, 0)) END AS x_night_high_amount,
               CASE WHEN w.night THEN 1.0::float8 END AS x_night_time,
               w.n_1h::float8 AS x_velocity_1h,
               CASE WHEN w.n_prior >= %(min_card_history)s AND w.ts - w.first_ts >= interval '1 day'
                    THEN (w.spend_24h + w.cents) / 100.0::float8 / greatest(
                        w.spend_prior / 100.0::float8 / greatest(extract(epoch FROM w.ts - w.first_ts)::float8 / 86400.0, 1),
                        %(usual_daily_spend_floor)s) END AS x_velocity_24h,
               w.high_24h::float8 AS x_burst_after_high,
               CASE WHEN w.n_prior >= %(min_card_history)s
                    THEN (w.km - w.km_sum / w.n_prior)
                         / greatest(sqrt(greatest(w.km_sq - w.km_sum ^ 2 / w.n_prior, 0) / (w.n_prior - 1)), 1)
               END AS x_distance_from_home,
               CASE WHEN w.n_prior >= %(min_card_history)s AND w.first_in_category = w.ts
                    THEN ln(greatest(w.amt, 0.01) / nullif(w.typical, 0)) END AS x_new_category_high,
               w.first_in_category = w.ts AS new_category
        FROM (
            SELECT h.*,
                   count(*) OVER upto - 1 AS n_prior,
                   sum(h.lamt) OVER upto - h.lamt AS lamt_sum,
                   sum(h.lamt * h.lamt) OVER upto - h.lamt * h.lamt AS lamt_sq,
                   sum(h.km) OVER upto - h.km AS km_sum,
                   sum(h.km * h.km) OVER upto - h.km * h.km AS km_sq,
                   sum(h.cents) OVER upto - h.cents AS spend_prior,
                   first_value(h.ts) OVER upto AS first_ts,
                   count(*) OVER last_hour - 1 AS n_1h,
                   sum(h.cents) OVER last_day - h.cents AS spend_24h,
                   count(*) FILTER (WHERE h.is_high) OVER last_day - h.is_high::int AS high_24h,
                   min(h.ts) OVER (PARTITION BY h.card_id, h.category) AS first_in_category
            FROM (
                SELECT f.trans_num, f.card_id, f.ts, f.cents, f.category, f.is_new, f.typical, f.high, f.night,
                       f.cents / 100.0::float8 AS amt, ln(f.cents / 100.0::float8 + 1) AS lamt,
                       coalesce(f.cents / 100.0::float8 > f.high, false) AS is_high,
                       2 * 6371.0 * asin(least(1, sqrt(  -- haversine km from the cardholder's home to the merchant
                           sin((f.lat - f.home_lat) / 2) ^ 2
                           + f.home_cos_lat * cos(f.lat) * sin((f.long - f.home_long) / 2) ^ 2))) AS km
                FROM (
                    SELECT t.trans_num, c.card_id, t.trans_date_trans_time AS ts, (t.amt * 100)::int4 AS cents,
                           t.category, t.loaded_at = now() AS is_new,
                           coalesce(b.typical, (SELECT typical FROM bars WHERE category = '*')) AS typical,
                           coalesce(b.high, (SELECT high FROM bars WHERE category = '*')) AS high,
                           (t.trans_date_trans_time::time >= make_time(%(night_start_hour)s, 0, 0)
                            OR t.trans_date_trans_time::time < make_time(%(night_end_hour)s, 0, 0)) AS night,
                           radians(t.merch_lat::float8) AS lat, radians(t.merch_long::float8) AS long,
                           c.home_lat, c.home_long, c.home_cos_lat
                    FROM fraud_cards c
                    JOIN card_transaction t ON t.card_token = c.card_token
                                           AND t.trans_date_trans_time BETWEEN c.since AND c.until
                    LEFT JOIN bars b ON b.category = t.category
                    OFFSET 0
                ) f
                OFFSET 0
            ) h
            WINDOW upto AS (PARTITION BY h.card_id ORDER BY h.ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
                   last_hour AS (PARTITION BY h.card_id ORDER BY h.ts
                                 RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW),
                   last_day AS (PARTITION BY h.card_id ORDER BY h.ts
                                RANGE BETWEEN interval '24 hours' PRECEDING AND CURRENT ROW)
        ) w
        WHERE w.is_new
        OFFSET 0
    ) s
    OFFSET 0
) st
OFFSET 0
) scored
-- Only scores >= keep_from are kept: the loader keeps the alerts' (keep_from = the threshold), the evaluation all.
WHERE score >= %(keep_from)s
