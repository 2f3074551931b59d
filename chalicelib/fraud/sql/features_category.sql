-- The categories' running aggregates with the file's new rows, before the features read them (a category
-- first seen in this file then has a typical amount). Category order: concurrent loads lock in one order.
INSERT INTO fraud_category_profile AS g (category, n, sum_lamt)
SELECT n.category, count(*), sum(ln(n.amt + 1)) FROM fraud_new n GROUP BY n.category ORDER BY n.category
ON CONFLICT (category) DO UPDATE SET n = g.n + EXCLUDED.n, sum_lamt = g.sum_lamt + EXCLUDED.sum_lamt
