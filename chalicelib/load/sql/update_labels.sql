-- Late labels: a stored transaction whose label differs from the file's latest known label for it takes
-- the file's (an unknown label never clears one). Runs only when the file repeated stored trans_nums; the
-- rows insert_facts.sql just wrote already carry the same labels, so they are not touched.
UPDATE card_transaction t SET is_fraud = l.is_fraud
FROM (SELECT DISTINCT ON (s.trans_num) s.trans_num, s.is_fraud = '1' AS is_fraud
      FROM stage s
      WHERE s.reason IS NULL AND s.is_fraud IN ('0', '1')
      ORDER BY s.trans_num, s.line_no DESC) l
WHERE t.trans_num = l.trans_num AND t.is_fraud IS DISTINCT FROM l.is_fraud
