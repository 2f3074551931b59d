-- Merchant names and categories, checked once per distinct pair (a file has far fewer pairs than rows).
-- has_good_rows: whether the pair has a row that is good so far (refreshed by reject_customers.sql), so
-- only merchants of loaded rows are stored.
CREATE TEMP TABLE merchant_seen ON COMMIT DROP AS
SELECT merchant, category, has_good_rows, nullif(concat_ws('; ',
           'merchant: ' || text_problem(merchant, 200),
           'category: ' || CASE WHEN category ~ '^[a-z][a-z0-9_]*$' AND length(category) <= 40 THEN NULL
                                WHEN category = '' THEN 'must not be empty'
                                WHEN length(category) > 40 THEN 'must be at most 40 characters'
                                ELSE 'must be lower-case letters, digits and _' END), '') AS reason
FROM (SELECT merchant, category, bool_or(reason IS NULL) AS has_good_rows
      FROM stage
      WHERE merchant IS NOT NULL AND category IS NOT NULL
      GROUP BY merchant, category) d
