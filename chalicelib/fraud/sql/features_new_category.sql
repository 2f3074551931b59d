-- The file's new rows per category (count, sum of ln(amt + 1)), summed once: the features add them to the stored
-- running aggregates (features_rows.sql), and features_category.sql then stores those very sums. The sum is exact
-- (sql/060's fraud_lamt_units), so it does not depend on the order of the rows.
CREATE TEMP TABLE fraud_new_category ON COMMIT DROP AS
SELECT n.category, count(*) AS n, (sum(fraud_lamt_units(n.amt)) / 4294967296)::float8 AS sum_lamt
FROM fraud_new n GROUP BY n.category
