-- The file's new rows per category (count, sum of ln(amt + 1)), summed once: the features add them to the stored
-- running aggregates (features_rows.sql), and features_category.sql then stores those very sums. The sum is exact
-- (fraud_new_pair's integer units), so it does not depend on the order of the rows.
CREATE TEMP TABLE fraud_new_category ON COMMIT DROP AS
SELECT p.category, sum(p.n)::bigint AS n, (sum(p.lamt_units) / 4294967296)::float8 AS sum_lamt
FROM fraud_new_pair p GROUP BY p.category
