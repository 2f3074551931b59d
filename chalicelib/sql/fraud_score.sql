-- Score the file's new transactions in one query (chalicelib/fraud.py keeps its rows in a temporary table):
-- each against its card's history (stored rows and the rest of this file, from history_days before the card's
-- first transaction in the file), its category's baseline and the cardholder's home. The new rows are those
-- this transaction inserted (loaded_at = now()); fraud_cards (chalicelib/sql/fraud_cards.sql) holds their cards.
-- Every window looks back only (a transaction at the same second counts as earlier), so a score does not
-- depend on how rows were cut into files. One sort serves the card windows: each frame ends at the current row
-- and includes it, and the row's own part is subtracted (a frame exclusion would make PostgreSQL recompute
-- each frame from scratch). Amounts stay numeric, so sums are exact and scores repeat to the bit. Signals
-- (x_*) are NULL where there is not enough history; the rules, weights and curves are in
-- chalicelib/fraud_rules.py. is_fraud is never read.
WITH history AS MATERIALIZED (
    SELECT t.trans_num, c.card_id, t.trans_date_trans_time AS ts, t.amt, ln(t.amt::float8 + 1) AS lamt,
           t.category, t.loaded_at = now() AS is_new,
           b.amt_p90::float8 AS typical, b.amt_p99 AS high,
           (extract(hour FROM t.trans_date_trans_time) >= %(night_start_hour)s
            OR extract(hour FROM t.trans_date_trans_time) < %(night_end_hour)s) AS night,
           2 * 6371.0 * asin(least(1, sqrt(  -- haversine km from the cardholder's home to the merchant
               sin((radians(t.merch_lat::float8) - c.home_lat) / 2) ^ 2
               + c.home_cos_lat * cos(radians(t.merch_lat::float8))
                 * sin((radians(t.merch_long::float8) - c.home_long) / 2) ^ 2))) AS km
    FROM fraud_cards c
    JOIN card_transaction t ON t.card_token = c.card_token AND t.trans_date_trans_time BETWEEN c.since AND c.until
    LEFT JOIN fraud_category_baseline b ON b.category = t.category AND b.sample_rows >= %(min_baseline_rows)s
), windowed AS (
    SELECT h.*,
           count(*) OVER upto - 1 AS n_prior,
           sum(h.lamt) OVER upto - h.lamt AS lamt_sum,
           sum(h.lamt * h.lamt) OVER upto - h.lamt * h.lamt AS lamt_sq,
           sum(h.km) OVER upto - h.km AS km_sum,
           sum(h.km * h.km) OVER upto - h.km * h.km AS km_sq,
           sum(h.amt) OVER upto - h.amt AS spend_prior,
           first_value(h.ts) OVER upto AS first_ts,
           count(*) OVER last_hour - 1 AS n_1h,
           sum(h.amt) OVER last_day - h.amt AS spend_24h,
           count(*) FILTER (WHERE h.amt > h.high) OVER last_day - (h.amt > h.high)::int AS high_24h,
           min(h.ts) OVER (PARTITION BY h.card_id, h.category) AS first_in_category
    FROM history h
    WINDOW upto AS (PARTITION BY h.card_id ORDER BY h.ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           last_hour AS (PARTITION BY h.card_id ORDER BY h.ts
                         RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW),
           last_day AS (PARTITION BY h.card_id ORDER BY h.ts
                        RANGE BETWEEN interval '24 hours' PRECEDING AND CURRENT ROW)
), signals AS MATERIALIZED (  -- materialized: each signal is computed once, not once per use
    SELECT w.trans_num, w.ts, w.amt::float8 AS amt, w.category, w.typical, w.high::float8 AS high, w.km, w.n_1h,
           w.spend_24h::float8 AS spend_24h, coalesce(w.high_24h, 0) AS high_24h,
           CASE WHEN w.n_prior >= %(min_card_history)s
                THEN (w.lamt - w.lamt_sum / w.n_prior)
                     / greatest(sqrt(greatest(w.lamt_sq - w.lamt_sum ^ 2 / w.n_prior, 0) / (w.n_prior - 1)), 0.5)
           END AS x_amount_vs_card,
           ln(greatest(w.amt::float8, 0.01) / nullif(w.high::float8, 0)) AS x_amount_vs_category,
           CASE WHEN w.night THEN ln(greatest(w.amt::float8, 0.01) / nullif(w.typical, 0)) END AS x_night_high_amount,
           CASE WHEN w.night THEN 1.0 END AS x_night_time,
           w.n_1h::float8 AS x_velocity_1h,
           CASE WHEN w.n_prior > 0
                THEN (w.spend_24h + w.amt)::float8 / greatest(
                    w.spend_prior::float8 / greatest(extract(epoch FROM w.ts - w.first_ts) / 86400.0, 1),
                    %(usual_daily_spend_floor)s) END AS x_velocity_24h,
           coalesce(w.high_24h, 0)::float8 AS x_burst_after_high,
           CASE WHEN w.n_prior >= %(min_card_history)s
                THEN (w.km - w.km_sum / w.n_prior)
                     / greatest(sqrt(greatest(w.km_sq - w.km_sum ^ 2 / w.n_prior, 0) / (w.n_prior - 1)), 1)
           END AS x_distance_from_home,
           CASE WHEN w.n_prior >= %(min_card_history)s AND w.first_in_category = w.ts
                THEN ln(greatest(w.amt::float8, 0.01) / nullif(w.typical, 0)) END AS x_new_category_high,
           w.first_in_category = w.ts AS new_category
    FROM windowed w
    WHERE w.is_new
), strengths AS MATERIALIZED (
    -- A rule's strength s = 1 / (1 + exp((mid - x) / width)), 0 where x is NULL; exp's argument is clamped so
    -- no input overflows. (Written out: sql/020's fraud_strength() is the same curve, but a SQL function call
    -- that the planner does not inline costs microseconds, nine times a row.)
    SELECT s.*,
           CASE WHEN s.x_amount_vs_card IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(amount_vs_card_mid)s - s.x_amount_vs_card) / %(amount_vs_card_width)s)))) END AS s_amount_vs_card,
           CASE WHEN s.x_amount_vs_category IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(amount_vs_category_mid)s - s.x_amount_vs_category) / %(amount_vs_category_width)s)))) END AS s_amount_vs_category,
           CASE WHEN s.x_night_high_amount IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(night_high_amount_mid)s - s.x_night_high_amount) / %(night_high_amount_width)s)))) END AS s_night_high_amount,
           CASE WHEN s.x_night_time IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(night_time_mid)s - s.x_night_time) / %(night_time_width)s)))) END AS s_night_time,
           CASE WHEN s.x_velocity_1h IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(velocity_1h_mid)s - s.x_velocity_1h) / %(velocity_1h_width)s)))) END AS s_velocity_1h,
           CASE WHEN s.x_velocity_24h IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(velocity_24h_mid)s - s.x_velocity_24h) / %(velocity_24h_width)s)))) END AS s_velocity_24h,
           CASE WHEN s.x_burst_after_high IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(burst_after_high_mid)s - s.x_burst_after_high) / %(burst_after_high_width)s)))) END AS s_burst_after_high,
           CASE WHEN s.x_distance_from_home IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(distance_from_home_mid)s - s.x_distance_from_home) / %(distance_from_home_width)s)))) END AS s_distance_from_home,
           CASE WHEN s.x_new_category_high IS NULL THEN 0
                ELSE 1 / (1 + exp(least(50, greatest(-50, (%(new_category_high_mid)s - s.x_new_category_high) / %(new_category_high_width)s)))) END AS s_new_category_high
    FROM signals s
)
-- score = 1 - prod(1 - weight * s): the rules as independent evidence, in a fixed order (the same bits each time).
-- Only scores >= keep_from are kept: the loader keeps the alerts' (keep_from = the threshold), the evaluation all.
SELECT * FROM (
SELECT st.*,
       1 - (1 - %(amount_vs_card_weight)s * st.s_amount_vs_card)
           * (1 - %(amount_vs_category_weight)s * st.s_amount_vs_category)
           * (1 - %(night_high_amount_weight)s * st.s_night_high_amount)
           * (1 - %(night_time_weight)s * st.s_night_time)
           * (1 - %(velocity_1h_weight)s * st.s_velocity_1h)
           * (1 - %(velocity_24h_weight)s * st.s_velocity_24h)
           * (1 - %(burst_after_high_weight)s * st.s_burst_after_high)
           * (1 - %(distance_from_home_weight)s * st.s_distance_from_home)
           * (1 - %(new_category_high_weight)s * st.s_new_category_high) AS score
FROM strengths st
) scored
WHERE score >= %(keep_from)s
