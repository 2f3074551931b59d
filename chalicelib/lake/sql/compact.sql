-- The daily compaction: the raw files that arrived from {first_day} to {last_day} (arrival partitions dt=),
-- merged into the curated table. Idempotent: a trans_num already there is not inserted again, so a rerun, an
-- overlapping window or a file delivered twice changes nothing; a later label updates the row's is_fraud,
-- as the loader's update_labels.sql does. Within the window the occurrence with a label wins, then the latest
-- arrival, as in the loader's insert_facts.sql.
MERGE INTO transactions t
USING (
    SELECT trans_num, trans_date_trans_time, trans_date, unix_time, amt, category, merchant, merch_lat,
           merch_long, is_fraud, gender, city, state, zip, lat, long, city_pop, arrival_date
    FROM (SELECT r.*,
                 row_number() OVER (PARTITION BY r.trans_num
                                    ORDER BY r.is_fraud IS NULL, r.arrival_date DESC, r.arrival_hour DESC) AS pick
          FROM raw_transactions_typed r
          WHERE r.dt BETWEEN '{first_day}' AND '{last_day}') ranked
    WHERE pick = 1
) s
ON t.trans_num = s.trans_num
WHEN MATCHED AND s.is_fraud IS NOT NULL AND t.is_fraud IS DISTINCT FROM s.is_fraud THEN
    UPDATE SET is_fraud = s.is_fraud
WHEN NOT MATCHED THEN
    INSERT (trans_num, trans_date_trans_time, trans_date, unix_time, amt, category, merchant, merch_lat,
            merch_long, is_fraud, gender, city, state, zip, lat, long, city_pop, arrival_date)
    VALUES (s.trans_num, s.trans_date_trans_time, s.trans_date, s.unix_time, s.amt, s.category, s.merchant,
            s.merch_lat, s.merch_long, s.is_fraud, s.gender, s.city, s.state, s.zip, s.lat, s.long, s.city_pop,
            s.arrival_date)
