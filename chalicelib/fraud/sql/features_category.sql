-- The categories' running aggregates with the file's new rows (fraud_new_category), after the features read them
-- (they add the same sums themselves). Every load updates these few rows, so they are locked only at the end of
-- the load, until its commit. Category order: concurrent loads lock in one order.
INSERT INTO fraud_category_profile AS g (category, n, sum_lamt)
SELECT c.category, c.n, c.sum_lamt FROM fraud_new_category c ORDER BY c.category
ON CONFLICT (category) DO UPDATE SET n = g.n + EXCLUDED.n, sum_lamt = g.sum_lamt + EXCLUDED.sum_lamt
