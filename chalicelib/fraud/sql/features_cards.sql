-- The cards' running aggregates with the file's new rows, after the features read them. Sums, min and max
-- do not care in which order rows arrive (the file's sum of ln(amt + 1) is exact: sql/060's fraud_lamt_units).
-- Card order: concurrent loads of one card lock in one order.
INSERT INTO fraud_card_profile AS p (card_token, n, sum_lamt, first_ts, last_ts)
SELECT n.card_token, count(*), (sum(fraud_lamt_units(n.amt)) / 4294967296)::float8, min(n.ts), max(n.ts)
FROM fraud_new n GROUP BY n.card_token ORDER BY n.card_token
ON CONFLICT (card_token) DO UPDATE
SET n = p.n + EXCLUDED.n, sum_lamt = p.sum_lamt + EXCLUDED.sum_lamt,
    first_ts = least(p.first_ts, EXCLUDED.first_ts), last_ts = greatest(p.last_ts, EXCLUDED.last_ts)
