-- Whether every staged row's per-row fields are canonical and within their rules, for a file the loader's own
-- line proof (chalicelib/load/lineproof.py) could not show so, such as one with minimal quoting. Cheaply: a value
-- that comes back unchanged from its column's type (to_char and numeric/bigint output print only the
-- canonical form: no sign, spaces, exponent or leading zeros, the fixed decimals, a real date and time) and
-- lies in range passes the rule functions of check_rows.sql too; tests/test_loader_proof.py holds them to
-- that. About a third of the rule functions' cost. A row it cannot prove is not rejected here: the loader
-- then runs check_rows.sql on the whole file, and a value that does not even cast raises a data exception
-- that sends it there as well.
SELECT NOT EXISTS (
    SELECT 1 FROM stage
    WHERE (length(trans_date_trans_time) = 19
           AND to_char(trans_date_trans_time::timestamp, 'YYYY-MM-DD HH24:MI:SS') = trans_date_trans_time
           AND amt::numeric(12,2)::text = amt AND amt::numeric(12,2) BETWEEN 0 AND 1000000
           AND length(trans_num) <= 64 AND trans_num ~ '^[-A-Za-z0-9_]+$'
           AND unix_time::bigint::text = unix_time AND unix_time::bigint BETWEEN 0 AND 100000000000
           AND merch_lat::numeric(9,6)::text = merch_lat AND abs(merch_lat::numeric(9,6)) <= 90
           AND merch_long::numeric(9,6)::text = merch_long AND abs(merch_long::numeric(9,6)) <= 180
           AND (is_fraud IS NULL OR is_fraud IN ('', '0', '1'))
           AND num_nulls(card_token, cc_last4, merchant, category, first, last, gender, street, city, state,
                         zip, lat, long, city_pop, job, dob) = 0
          ) IS NOT TRUE  -- NULL (a missing value) is not a proof
)
