-- Alerts for the scored rows at or above the threshold, with their reasons: the rules that fired (strength
-- >= reason_min_strength), strongest contribution first, or else the strongest one. Only those reasons are
-- worded (format() is the costly part). A transaction alerts once: a reload adds nothing.
INSERT INTO fraud_alert (trans_num, score, reasons, rule_version)
SELECT r.trans_num, round(r.score::numeric, 4), array_agg(r.rule || ': ' || r.detail ORDER BY r.rank), %(rule_version)s
FROM (
    SELECT s.trans_num, s.score, v.rule, v.rank,
           CASE v.rule
               WHEN 'amount_vs_card' THEN
                   format('$%%s is %%s sd above the card''s usual amount', to_char(s.amt, 'FM999999990.00'), round(s.x_amount_vs_card::numeric, 1))
               WHEN 'amount_vs_category' THEN
                   format('$%%s is over the %%s p99 ($%%s)', to_char(s.amt, 'FM999999990.00'), s.category, to_char(s.high, 'FM999999990.00'))
               WHEN 'night_high_amount' THEN
                   format('$%%s at %%s, over the %%s p90 ($%%s)', to_char(s.amt, 'FM999999990.00'), to_char(s.ts, 'HH24:MI'), s.category, to_char(s.typical, 'FM999999990.00'))
               WHEN 'night_time' THEN
                   format('at %%s, night time', to_char(s.ts, 'HH24:MI'))
               WHEN 'velocity_1h' THEN
                   format('%%s transactions on the card in the hour before', s.n_1h)
               WHEN 'velocity_24h' THEN
                   format('$%%s in 24 h, %%sx the card''s usual daily spend', to_char(s.spend_24h + s.amt, 'FM999999990.00'), round(s.x_velocity_24h::numeric, 1))
               WHEN 'burst_after_high' THEN
                   format('%%s high-amount transaction(s) on the card in the 24 h before', s.high_24h)
               WHEN 'distance_from_home' THEN
                   format('%%s km from home, %%s sd above the card''s usual', round(s.km::numeric), round(s.x_distance_from_home::numeric, 1))
               WHEN 'new_category_high' THEN
                   format('first %%s transaction for the card: $%%s, over the category p90 ($%%s)', s.category, to_char(s.amt, 'FM999999990.00'), to_char(s.typical, 'FM999999990.00'))
           END AS detail
    FROM fraud_score s
    CROSS JOIN LATERAL (
        SELECT v.rule, v.strength,
               row_number() OVER (ORDER BY v.contribution DESC, v.rule) AS rank,
               count(*) FILTER (WHERE v.strength >= %(reason_min_strength)s) OVER () AS fired
        FROM (VALUES
            ('amount_vs_card', s.s_amount_vs_card, %(amount_vs_card_weight)s::float8 * s.s_amount_vs_card),
            ('amount_vs_category', s.s_amount_vs_category, %(amount_vs_category_weight)s::float8 * s.s_amount_vs_category),
            ('night_high_amount', s.s_night_high_amount, %(night_high_amount_weight)s::float8 * s.s_night_high_amount),
            ('night_time', s.s_night_time, %(night_time_weight)s::float8 * s.s_night_time),
            ('velocity_1h', s.s_velocity_1h, %(velocity_1h_weight)s::float8 * s.s_velocity_1h),
            ('velocity_24h', s.s_velocity_24h, %(velocity_24h_weight)s::float8 * s.s_velocity_24h),
            ('burst_after_high', s.s_burst_after_high, %(burst_after_high_weight)s::float8 * s.s_burst_after_high),
            ('distance_from_home', s.s_distance_from_home, %(distance_from_home_weight)s::float8 * s.s_distance_from_home),
            ('new_category_high', s.s_new_category_high, %(new_category_high_weight)s::float8 * s.s_new_category_high)
        ) AS v(rule, strength, contribution)
    ) v
    WHERE s.score >= %(threshold)s
      AND (v.strength >= %(reason_min_strength)s OR (v.fired = 0 AND v.rank = 1))
) r
GROUP BY r.trans_num, r.score
ORDER BY r.trans_num
ON CONFLICT (trans_num) DO NOTHING
