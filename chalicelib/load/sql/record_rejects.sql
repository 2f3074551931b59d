-- Every row that broke a rule, with all its reasons and the row itself (as CSV text values).
INSERT INTO rejected_row (file_id, line_no, reason, row_data)
SELECT %(file_id)s, line_no, reason, to_jsonb(s) - 'line_no' - 'reason'
FROM stage s
WHERE reason IS NOT NULL
ORDER BY line_no
