-- The file's good rows as new transactions, once per trans_num: within the file the occurrence with a label
-- wins, then the later line. A trans_num already stored is a duplicate and is skipped by an index probe,
-- without locking the stored row, so a reload or an overlapping file costs little and blocks no other load
-- (its labels: update_labels.sql). If another load inserts one of these trans_nums meanwhile, this insert
-- fails on the primary key and Database.transaction reruns the whole file, which then finds it stored.
-- trans_num order, so concurrent loads of overlapping rows meet in the same order.
INSERT INTO card_transaction (trans_num, card_token, merchant_id, category, amt, trans_date_trans_time,
                              unix_time, merch_lat, merch_long, is_fraud, source_key)
SELECT i.trans_num, i.card_token, i.merchant_id, i.category, i.amt::numeric(12,2), i.trans_date_trans_time::timestamp,
       i.unix_time::bigint, i.merch_lat::numeric(9,6), i.merch_long::numeric(9,6),
       CASE i.is_fraud WHEN '1' THEN true WHEN '0' THEN false END, %(source_key)s
FROM (SELECT DISTINCT ON (s.trans_num) s.trans_num, s.card_token, m.merchant_id, s.category, s.amt,
             s.trans_date_trans_time, s.unix_time, s.merch_lat, s.merch_long, s.is_fraud
      FROM stage s
      JOIN merchant m ON m.name = s.merchant  -- before the sort: one hash join, not a probe per row
      WHERE s.reason IS NULL
      ORDER BY s.trans_num, coalesce(s.is_fraud, '') = '', s.line_no DESC) i
WHERE NOT EXISTS (SELECT 1 FROM card_transaction t WHERE t.trans_num = i.trans_num)
ORDER BY i.trans_num
