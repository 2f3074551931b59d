-- The cardholder fields, checked once per distinct combination (about one per card in a file). last_seen
-- and last_line come from the combination's rows that are good so far: the customer upsert takes the
-- latest good combination of each card. Without statistics on the staging table the planner would sort
-- all rows by the 14 columns; hashing them is several times faster, hence enable_sort off for this statement.
SET LOCAL enable_sort = off;
CREATE TEMP TABLE customer_seen ON COMMIT DROP AS
SELECT d.*, nullif(concat_ws('; ',
           'card_token: ' || CASE WHEN length(card_token) = 64 AND card_token ~ '^[0-9a-f]+$' THEN NULL
                                  ELSE 'must be 64 lower-case hex digits' END,
           'cc_last4: ' || CASE WHEN cc_last4 ~ '^[0-9]{4}$' THEN NULL ELSE 'must be 4 digits' END,
           'first: ' || text_problem(first, 100),
           'last: ' || text_problem(last, 100),
           'gender: ' || CASE WHEN gender IN ('M', 'F') THEN NULL ELSE 'must be M or F' END,
           'street: ' || text_problem(street, 200),
           'city: ' || text_problem(city, 100),
           'state: ' || CASE WHEN state ~ '^[A-Z]{2}$' THEN NULL ELSE 'must be two capital letters' END,
           'zip: ' || CASE WHEN zip ~ '^[0-9]{5}$' THEN NULL
                           WHEN zip ~ '^[0-9]{1,4}$' THEN 'is not canonical (5 digits, like 05155)'
                           ELSE 'must be 1 to 5 digits' END,
           'lat: ' || coordinate_problem(lat, 90),
           'long: ' || coordinate_problem(long, 180),
           'city_pop: ' || count_problem(city_pop, 100000000),
           'job: ' || text_problem(job, 200),
           'dob: ' || birth_date_problem(dob)), '') AS reason
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
