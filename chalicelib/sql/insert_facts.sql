-- The file's good rows as transactions, once per trans_num. Within the file the occurrence with a label
-- wins, then the later line. A trans_num already stored is a duplicate: only a label that differs from
-- the stored one is written (a late label), never a second row. trans_num order, so concurrent loads of
-- overlapping rows meet in the same order. Returns (inserted, labels updated).
WITH written AS (
    INSERT INTO card_transaction AS t (trans_num, card_token, merchant_id, category, amt,
                                       trans_date_trans_time, unix_time, merch_lat, merch_long,
                                       is_fraud, source_key)
    SELECT DISTINCT ON (s.trans_num)
           s.trans_num, s.card_token, m.merchant_id, s.category, s.amt::numeric,
           s.trans_date_trans_time::timestamp, s.unix_time::bigint, s.merch_lat::numeric,
           s.merch_long::numeric, CASE s.is_fraud WHEN '1' THEN true WHEN '0' THEN false END,
           %(source_key)s
    FROM stage s
    JOIN merchant m ON m.name = s.merchant
    WHERE s.reason IS NULL
    ORDER BY s.trans_num, coalesce(s.is_fraud, '') = '', s.line_no DESC
    ON CONFLICT (trans_num) DO UPDATE SET is_fraud = EXCLUDED.is_fraud
    WHERE EXCLUDED.is_fraud IS NOT NULL AND t.is_fraud IS DISTINCT FROM EXCLUDED.is_fraud
    RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
