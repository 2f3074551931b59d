-- Rules for the fields that change with every row, through the rule functions `make rules` generates
-- (sql/R__rules.sql).
-- Only canonical text passes: the batcher writes nothing else, so anything different is a corrupted or
-- foreign row to reject with its reason, not something to repair here. Customer and merchant fields are
-- checked once per distinct value (check_customers.sql, check_merchants.sql); here only their presence.
UPDATE stage s SET reason = c.reason
FROM (
    SELECT line_no, concat_ws('; ',
        'trans_date_trans_time: ' || rule_trans_date_trans_time(trans_date_trans_time),
        'amt: ' || rule_amt(amt),
        'trans_num: ' || rule_trans_num(trans_num),
        'unix_time: ' || rule_unix_time(unix_time),
        'merch_lat: ' || rule_merch_lat(merch_lat),
        'merch_long: ' || rule_merch_long(merch_long),
        'is_fraud: ' || rule_is_fraud(is_fraud),
        CASE WHEN num_nulls(card_token, cc_last4, merchant, category, first, last, gender, street, city, state,
                            zip, lat, long, city_pop, job, dob) > 0 THEN concat_ws('; ',
            CASE WHEN card_token IS NULL THEN 'card_token: is required' END,
            CASE WHEN cc_last4 IS NULL THEN 'cc_last4: is required' END,
            CASE WHEN merchant IS NULL THEN 'merchant: is required' END,
            CASE WHEN category IS NULL THEN 'category: is required' END,
            CASE WHEN first IS NULL THEN 'first: is required' END,
            CASE WHEN last IS NULL THEN 'last: is required' END,
            CASE WHEN gender IS NULL THEN 'gender: is required' END,
            CASE WHEN street IS NULL THEN 'street: is required' END,
            CASE WHEN city IS NULL THEN 'city: is required' END,
            CASE WHEN state IS NULL THEN 'state: is required' END,
            CASE WHEN zip IS NULL THEN 'zip: is required' END,
            CASE WHEN lat IS NULL THEN 'lat: is required' END,
            CASE WHEN long IS NULL THEN 'long: is required' END,
            CASE WHEN city_pop IS NULL THEN 'city_pop: is required' END,
            CASE WHEN job IS NULL THEN 'job: is required' END,
            CASE WHEN dob IS NULL THEN 'dob: is required' END) END
    ) AS reason
    FROM stage
    OFFSET 0  -- keeps the subquery whole: flattened, the planner computed every row's reason twice
) c
WHERE c.reason <> '' AND s.line_no = c.line_no
