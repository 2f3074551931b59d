-- Each category's amount percentiles over the baseline_days of transaction time up to %(through)s, from the
-- daytime transactions that raised no alert, so fraud does not raise its own bar (fraud comes mostly at night;
-- where it is common, as in a 10%%-fraud sample, night-time fraud would otherwise set the p90/p99 itself), and
-- one more row, category '*', over all categories: the bar for a category with too few rows of its own.
-- A big table is read through a block sample of about baseline_sample_rows rows (REPEATABLE: the same table
-- gives the same baseline); a small one whole. Category order, so two loaders that refresh at once lock the
-- rows in the same order; an older sample never replaces a newer one.
INSERT INTO fraud_category_baseline AS b (category, amt_p50, amt_p90, amt_p99, sample_rows, through_time)
SELECT coalesce(t.category, '*'),
       percentile_cont(0.50) WITHIN GROUP (ORDER BY t.amt),
       percentile_cont(0.90) WITHIN GROUP (ORDER BY t.amt),
       percentile_cont(0.99) WITHIN GROUP (ORDER BY t.amt),
       count(*), %(through)s
FROM card_transaction t TABLESAMPLE SYSTEM (%(sample_percent)s) REPEATABLE (0)
WHERE t.trans_date_trans_time > %(through)s::timestamp - make_interval(days => %(baseline_days)s)
  AND t.trans_date_trans_time <= %(through)s
  AND NOT EXISTS (SELECT 1 FROM fraud_alert a WHERE a.trans_num = t.trans_num)
  AND t.trans_date_trans_time::time >= make_time(%(night_end_hour)s, 0, 0)  -- daytime only
  AND t.trans_date_trans_time::time < make_time(%(night_start_hour)s, 0, 0)
GROUP BY GROUPING SETS ((t.category), ())
HAVING count(*) > 0  -- no rows: no '*' row either
ORDER BY 1
ON CONFLICT (category) DO UPDATE
SET amt_p50 = EXCLUDED.amt_p50, amt_p90 = EXCLUDED.amt_p90, amt_p99 = EXCLUDED.amt_p99,
    sample_rows = EXCLUDED.sample_rows, through_time = EXCLUDED.through_time, refreshed_at = now()
WHERE b.through_time < EXCLUDED.through_time
