-- Merchant names and categories, checked once per distinct pair (a file has far fewer pairs than rows), by
-- the rule functions `make rules` generates (sql/R__rules.sql).
-- has_good_rows: whether the pair has a row that is good so far (refreshed by reject_customers.sql), so
-- only merchants of loaded rows are stored.
CREATE TEMP TABLE merchant_seen ON COMMIT DROP AS
SELECT merchant, category, has_good_rows, nullif(concat_ws('; ',
           'merchant: ' || rule_merchant(merchant),
           'category: ' || rule_category(category)), '') AS reason
FROM (SELECT merchant, category, bool_or(reason IS NULL) AS has_good_rows
      FROM stage
      WHERE merchant IS NOT NULL AND category IS NOT NULL
      GROUP BY merchant, category) d
