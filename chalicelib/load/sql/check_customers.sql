-- The cardholder fields, checked once per distinct combination (about one per card in a file), by the rule
-- functions `make rules` generates (sql/R__rules.sql). last_seen
-- and last_line come from the combination's rows that are good so far: the customer upsert takes the
-- latest good combination of each card. Without statistics on the staging table the planner would sort
-- all rows by the 14 columns; hashing them is several times faster, hence enable_sort off for this statement.
SET LOCAL enable_sort = off;
CREATE TEMP TABLE customer_seen ON COMMIT DROP AS
SELECT d.*, nullif(concat_ws('; ',
           'card_token: ' || rule_card_token(card_token),
           'cc_last4: ' || rule_cc_last4(cc_last4),
           'first: ' || rule_first(first),
           'last: ' || rule_last(last),
           'gender: ' || rule_gender(gender),
           'street: ' || rule_street(street),
           'city: ' || rule_city(city),
           'state: ' || rule_state(state),
           'zip: ' || rule_zip(zip),
           'lat: ' || rule_lat(lat),
           'long: ' || rule_long(long),
           'city_pop: ' || rule_city_pop(city_pop),
           'job: ' || rule_job(job),
           'dob: ' || rule_dob(dob)), '') AS reason
FROM (
    SELECT card_token, cc_last4, first, last, gender, street, city, state, zip, lat, long, city_pop, job, dob,
           max(trans_date_trans_time) FILTER (WHERE reason IS NULL) AS last_seen,
           max(line_no) FILTER (WHERE reason IS NULL) AS last_line
    FROM stage
    WHERE num_nulls(card_token, cc_last4, first, last, gender, street, city, state, zip, lat, long, city_pop,
                    job, dob) = 0
    GROUP BY card_token, cc_last4, first, last, gender, street, city, state, zip, lat, long, city_pop, job, dob
) d;
SET LOCAL enable_sort = on
