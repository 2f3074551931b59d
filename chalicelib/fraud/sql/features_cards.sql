-- The cards' running aggregates with the file's new rows (from fraud_new_pair), after the features read them.
-- Sums, min and max do not care in which order rows arrive (the file's sum of ln(amt + 1) is exact: integer
-- units). Card order: concurrent loads of one card lock in one order.
INSERT INTO fraud_card_profile AS p (card_token, n, sum_lamt, first_ts, last_ts)
SELECT c.card_token, sum(c.n)::bigint, (sum(c.lamt_units) / 4294967296)::float8, min(c.first_ts), max(c.last_ts)
FROM fraud_new_pair c GROUP BY c.card_token ORDER BY c.card_token
ON CONFLICT (card_token) DO UPDATE
SET n = p.n + EXCLUDED.n, sum_lamt = p.sum_lamt + EXCLUDED.sum_lamt,
    first_ts = least(p.first_ts, EXCLUDED.first_ts), last_ts = greatest(p.last_ts, EXCLUDED.last_ts)
