-- Score the file's new transactions (fraud_new) in one statement: each against its card's history (stored rows
-- and the rest of this file, up to history_days before the file's first transaction of that card), its
-- category's baseline and the cardholder's home. Every window looks back only, so a transaction's score does
-- not depend on how the rows were cut into files. Signals (x_*) are NULL where there is not enough history;
-- the rules, weights and curves are in chalicelib/fraud_rules.py. is_fraud is never read here.
CREATE TEMP TABLE fraud_score ON COMMIT DROP AS
WITH cards AS (
    SELECT card_token, min(ts) - make_interval(days => %(history_days)s) AS since, max(ts) AS until
    FROM fraud_new
    GROUP BY card_token
), history AS (
    SELECT t.trans_num, t.card_token, t.trans_date_trans_time AS ts, t.amt::float8 AS amt, t.category,
           t.merchant_id, b.amt_p90::float8 AS typical, b.amt_p99::float8 AS high,
           (extract(hour FROM t.trans_date_trans_time) >= %(night_start_hour)s
            OR extract(hour FROM t.trans_date_trans_time) < %(night_end_hour)s) AS night,
           2 * 6371.0 * asin(least(1, sqrt(
               sin(radians((t.merch_lat - h.lat)::float8) / 2) ^ 2
               + cos(radians(h.lat::float8)) * cos(radians(t.merch_lat::float8))
                 * sin(radians((t.merch_long - h.long)::float8) / 2) ^ 2))) AS km
    FROM cards c
    JOIN card_transaction t ON t.card_token = c.card_token AND t.trans_date_trans_time BETWEEN c.since AND c.until
    JOIN customer k ON k.card_token = c.card_token
    JOIN customer_address h ON h.address_id = k.address_id
    LEFT JOIN fraud_category_baseline b ON b.category = t.category AND b.sample_rows >= %(min_baseline_rows)s
), windowed AS (
    SELECT h.*,
           count(*) OVER prior AS n_prior,
           avg(ln(h.amt + 1)) OVER prior AS lamt_mean,
           stddev_samp(ln(h.amt + 1)) OVER prior AS lamt_sd,
           avg(h.km) OVER prior AS km_mean,
           stddev_samp(h.km) OVER prior AS km_sd,
           sum(h.amt) OVER prior AS spend_prior,
           min(h.ts) OVER prior AS first_ts,
           count(*) OVER last_hour AS n_1h,
           coalesce(sum(h.amt) OVER last_day, 0) AS spend_24h,
           count(*) FILTER (WHERE h.amt > h.high) OVER last_day AS high_24h,
           count(*) OVER prior_in_category AS n_category_prior,
           count(*) OVER prior_at_merchant AS n_merchant_prior
    FROM history h
    WINDOW prior AS (PARTITION BY h.card_token ORDER BY h.ts, h.trans_num
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           last_hour AS (PARTITION BY h.card_token ORDER BY h.ts
                         RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
           last_day AS (PARTITION BY h.card_token ORDER BY h.ts
                        RANGE BETWEEN interval '24 hours' PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW),
           prior_in_category AS (PARTITION BY h.card_token, h.category ORDER BY h.ts, h.trans_num
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           prior_at_merchant AS (PARTITION BY h.card_token, h.merchant_id ORDER BY h.ts, h.trans_num
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), signals AS (
    SELECT w.trans_num, w.ts, w.amt, w.category, w.typical, w.high, w.km, w.n_1h, w.spend_24h, w.high_24h,
           w.n_prior >= %(min_card_history)s AS has_history,
           CASE WHEN w.n_prior >= %(min_card_history)s
                THEN (ln(w.amt + 1) - w.lamt_mean) / greatest(coalesce(w.lamt_sd, 0), 0.5) END AS x_amount_vs_card,
           ln(greatest(w.amt, 0.01) / nullif(w.high, 0)) AS x_amount_vs_category,
           CASE WHEN w.night THEN ln(greatest(w.amt, 0.01) / nullif(w.typical, 0)) END AS x_night_high_amount,
           CASE WHEN w.night THEN 1.0 END AS x_night_time,
           w.n_1h::float8 AS x_velocity_1h,
           CASE WHEN w.n_prior > 0
                THEN (w.spend_24h + w.amt) / greatest(
                    w.spend_prior / greatest(extract(epoch FROM w.ts - w.first_ts) / 86400.0, 1),
                    %(usual_daily_spend_floor)s) END AS x_velocity_24h,
           w.high_24h::float8 AS x_burst_after_high,
           CASE WHEN w.n_prior >= %(min_card_history)s
                THEN (w.km - w.km_mean) / greatest(coalesce(w.km_sd, 0), 1) END AS x_distance_from_home,
           CASE WHEN w.n_prior >= %(min_card_history)s AND (w.n_category_prior = 0 OR w.n_merchant_prior = 0)
                THEN ln(greatest(w.amt, 0.01) / nullif(w.typical, 0)) END AS x_new_category_high,
           w.n_category_prior = 0 AS new_category
    FROM windowed w
    WHERE w.trans_num IN (SELECT trans_num FROM fraud_new)
), strengths AS (
    -- score = 1 - prod(1 - weight * s): a fixed product, so the same inputs always give the same bits.
    SELECT s.*, r.*, 1 - (1 - %(amount_vs_card_weight)s * r.s_amount_vs_card)
                       * (1 - %(amount_vs_category_weight)s * r.s_amount_vs_category)
                       * (1 - %(night_high_amount_weight)s * r.s_night_high_amount)
                       * (1 - %(night_time_weight)s * r.s_night_time)
                       * (1 - %(velocity_1h_weight)s * r.s_velocity_1h)
                       * (1 - %(velocity_24h_weight)s * r.s_velocity_24h)
                       * (1 - %(burst_after_high_weight)s * r.s_burst_after_high)
                       * (1 - %(distance_from_home_weight)s * r.s_distance_from_home)
                       * (1 - %(new_category_high_weight)s * r.s_new_category_high) AS score
    FROM signals s
    CROSS JOIN LATERAL (SELECT
        fraud_strength(s.x_amount_vs_card, %(amount_vs_card_mid)s, %(amount_vs_card_width)s) AS s_amount_vs_card,
        fraud_strength(s.x_amount_vs_category, %(amount_vs_category_mid)s, %(amount_vs_category_width)s) AS s_amount_vs_category,
        fraud_strength(s.x_night_high_amount, %(night_high_amount_mid)s, %(night_high_amount_width)s) AS s_night_high_amount,
        fraud_strength(s.x_night_time, %(night_time_mid)s, %(night_time_width)s) AS s_night_time,
        fraud_strength(s.x_velocity_1h, %(velocity_1h_mid)s, %(velocity_1h_width)s) AS s_velocity_1h,
        fraud_strength(s.x_velocity_24h, %(velocity_24h_mid)s, %(velocity_24h_width)s) AS s_velocity_24h,
        fraud_strength(s.x_burst_after_high, %(burst_after_high_mid)s, %(burst_after_high_width)s) AS s_burst_after_high,
        fraud_strength(s.x_distance_from_home, %(distance_from_home_mid)s, %(distance_from_home_width)s) AS s_distance_from_home,
        fraud_strength(s.x_new_category_high, %(new_category_high_mid)s, %(new_category_high_width)s) AS s_new_category_high
    ) r
)
SELECT * FROM strengths
