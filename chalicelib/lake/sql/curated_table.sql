-- The curated table: one row per trans_num, typed, in Parquet under Iceberg, partitioned by the day of the
-- transaction (event time), so a late row lands in its own day and a tile's date filter prunes files.
-- No names, streets, dates of birth, card tokens or card digits: what the reporting views show, no more.
-- IF NOT EXISTS: the compaction runs this first on every run.
CREATE TABLE IF NOT EXISTS transactions (
    trans_num              varchar,
    trans_date_trans_time  timestamp,
    trans_date             date,
    unix_time              bigint,
    amt                    decimal(12, 2),
    category               varchar,
    merchant               varchar,
    merch_lat              decimal(9, 6),
    merch_long             decimal(9, 6),
    is_fraud               boolean,
    gender                 varchar,
    city                   varchar,
    state                  varchar,
    zip                    varchar,
    lat                    decimal(9, 6),
    long                   decimal(9, 6),
    city_pop               integer,
    arrival_date           date
)
PARTITIONED BY (day(trans_date_trans_time))
LOCATION '{location}'
TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'zstd')
