-- Alerts for the scored rows at or above the threshold, with their reasons: the rules that fired (strength
-- >= reason_min_strength), strongest first, or else the strongest one. Reasons are worded only for these
-- few rows. A transaction alerts once: a reload adds nothing.
INSERT INTO fraud_alert (trans_num, score, reasons, rule_version)
SELECT c.trans_num, round(c.score::numeric, 4),
       coalesce(array_agg(c.rule || ': ' || c.detail ORDER BY c.contribution DESC, c.rule)
                    FILTER (WHERE c.strength >= %(reason_min_strength)s),
                (array_agg(c.rule || ': ' || c.detail ORDER BY c.contribution DESC, c.rule))[1:1]),
       %(rule_version)s
FROM (
    SELECT s.trans_num, s.score, v.rule, v.strength, v.weight * v.strength AS contribution, v.detail
    FROM fraud_score s
    CROSS JOIN LATERAL (VALUES
        ('amount_vs_card', s.s_amount_vs_card, %(amount_vs_card_weight)s::float8,
         format('$%%s is %%s sd above the card''s usual amount', to_char(s.amt, 'FM999999990.00'), round(s.x_amount_vs_card::numeric, 1))),
        ('amount_vs_category', s.s_amount_vs_category, %(amount_vs_category_weight)s::float8,
         format('$%%s is over the %%s p99 ($%%s)', to_char(s.amt, 'FM999999990.00'), s.category, to_char(s.high, 'FM999999990.00'))),
        ('night_high_amount', s.s_night_high_amount, %(night_high_amount_weight)s::float8,
         format('$%%s at %%s, over the %%s p90 ($%%s)', to_char(s.amt, 'FM999999990.00'), to_char(s.ts, 'HH24:MI'), s.category, to_char(s.typical, 'FM999999990.00'))),
        ('night_time', s.s_night_time, %(night_time_weight)s::float8,
         format('at %%s, night time', to_char(s.ts, 'HH24:MI'))),
        ('velocity_1h', s.s_velocity_1h, %(velocity_1h_weight)s::float8,
         format('%%s transactions on the card in the hour before', s.n_1h)),
        ('velocity_24h', s.s_velocity_24h, %(velocity_24h_weight)s::float8,
         format('$%%s in 24 h, %%sx the card''s usual daily spend', to_char(s.spend_24h + s.amt, 'FM999999990.00'), round(s.x_velocity_24h::numeric, 1))),
        ('burst_after_high', s.s_burst_after_high, %(burst_after_high_weight)s::float8,
         format('%%s high-amount transaction(s) on the card in the 24 h before', s.high_24h)),
        ('distance_from_home', s.s_distance_from_home, %(distance_from_home_weight)s::float8,
         format('%%s km from home, %%s sd above the card''s usual', round(s.km::numeric), round(s.x_distance_from_home::numeric, 1))),
        ('new_category_high', s.s_new_category_high, %(new_category_high_weight)s::float8,
         format('first %%s transaction for the card: $%%s, over the category p90 ($%%s)',
                s.category, to_char(s.amt, 'FM999999990.00'), to_char(s.typical, 'FM999999990.00')))
    ) AS v(rule, strength, weight, detail)
    WHERE s.score >= %(threshold)s
) c
GROUP BY c.trans_num, c.score
ORDER BY c.trans_num
ON CONFLICT (trans_num) DO NOTHING
