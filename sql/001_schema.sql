-- cardstream OLTP store: the ER model of the original design, corrected where the data demands it.
-- Identifiers and codes use COLLATE "C": byte order compares fast and means the same on every server.

-- Field rules, mirroring chalicelib/schema.py on canonical text (the form the batcher writes). Each returns
-- NULL for a good value or the rule it breaks, worded as schema.py words it; none ever raises, unlike a
-- cast. The loader's checks (chalicelib/sql/check_*.sql) and the CHECK constraints below use them, and
-- tests/cases.py holds them and schema.py to the same cases. They are plain SQL, so the planner inlines
-- them: a good value costs one pattern test.

-- 'YYYY-MM-DD' names a real calendar day in years 1..9999 (what Python's date.fromisoformat accepts).
CREATE FUNCTION is_real_date(ymd text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN ymd ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' AND left(ymd, 4) <> '0000'
        THEN substr(ymd, 9, 2)::int <= extract(day FROM make_date(left(ymd, 4)::int, substr(ymd, 6, 2)::int, 1)
                                                        + interval '1 month' - interval '1 day')
        ELSE false END
$$;

CREATE FUNCTION datetime_problem(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$'
             AND left(v, 4) <> '0000' AND (substr(v, 9, 2) COLLATE "C" < '29' OR is_real_date(left(v, 10))) THEN NULL
        WHEN v IS NULL THEN 'is required'
        WHEN v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' THEN 'must be YYYY-MM-DD HH:MM:SS'
        ELSE 'is not a real date and time' END
$$;

-- Not in the future: STABLE, because today changes.
CREATE FUNCTION birth_date_problem(v text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v IS NULL THEN 'is required'
        WHEN v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN 'must be YYYY-MM-DD'
        WHEN NOT is_real_date(v) THEN 'is not a real date'
        WHEN v::date > current_date THEN 'must not be in the future'
        WHEN v::date < DATE '1900-01-01' THEN 'must be on or after 1900-01-01' END
$$;

-- The shapes of a decimal that schema.py's Decimal parsing accepts.
CREATE FUNCTION is_decimal(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v ~ '^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$'
$$;

CREATE FUNCTION amount_problem(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~ '^(0|[1-9][0-9]{0,6})\.[0-9]{2}$' THEN
            CASE WHEN length(v) < 10 OR v COLLATE "C" <= '1000000.00' THEN NULL ELSE 'must be <= 1000000.00' END
        WHEN v IS NULL THEN 'is required'
        WHEN NOT is_decimal(v) THEN 'must be a decimal number'
        WHEN v::numeric < 0 THEN 'must be >= 0'
        WHEN v::numeric > 1000000 THEN 'must be <= 1000000.00'
        WHEN v::numeric <> round(v::numeric, 2) THEN 'must have at most 2 decimals'
        ELSE 'is not canonical (2 decimals, like 4.90)' END
$$;

CREATE FUNCTION coordinate_problem(v text, lim integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~ '^-?(0|[1-9][0-9]{0,2})\.[0-9]{6}$' AND abs(v::numeric) <= lim THEN NULL
        WHEN v IS NULL THEN 'is required'
        WHEN NOT is_decimal(v) THEN 'must be a decimal number'
        WHEN abs(v::numeric) > lim THEN 'must be between -' || lim::text || ' and ' || lim::text
        ELSE 'is not canonical (6 decimals, like 36.078800)' END
$$;

-- A whole number >= 0 up to `maximum`, without sign or leading zeros.
CREATE FUNCTION count_problem(v text, maximum bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v ~ '^(0|[1-9][0-9]*)$' AND length(v) <= length(maximum::text)
             AND (length(v) < length(maximum::text) OR v COLLATE "C" <= maximum::text) THEN NULL
        WHEN v IS NULL THEN 'is required'
        WHEN v !~ '^\+?[0-9]+$' THEN 'must be a whole number >= 0'
        WHEN v::numeric > maximum THEN 'must be <= ' || maximum::text
        ELSE 'is not canonical (no sign, no leading zeros)' END
$$;

-- Free text (names, streets, merchants, jobs): not empty, no control characters, at most max_len
-- characters, and already stripped of the whitespace Python's str.strip() removes.
CREATE FUNCTION text_problem(v text, max_len integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN v IS NULL THEN 'is required'
        WHEN v = '' THEN 'must not be empty'
        WHEN v ~ '[\x01-\x1f\x7f]' THEN 'must not contain control characters'
        WHEN length(v) > max_len THEN 'must be at most ' || max_len::text || ' characters'
        WHEN v <> btrim(v, E' \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000')
            THEN 'must not start or end with spaces' END
$$;

CREATE TABLE customer_address (
    address_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    street      text NOT NULL CHECK (text_problem(street, 200) IS NULL),
    city        text NOT NULL CHECK (text_problem(city, 100) IS NULL),
    state       char(2) COLLATE "C" NOT NULL CHECK (state ~ '^[A-Z]{2}$'),
    zip         char(5) COLLATE "C" NOT NULL CHECK (zip ~ '^[0-9]{5}$'),
    lat         numeric(9,6) NOT NULL CHECK (lat BETWEEN -90 AND 90),
    long        numeric(9,6) NOT NULL CHECK (long BETWEEN -180 AND 180),
    city_pop    integer NOT NULL CHECK (city_pop BETWEEN 0 AND 100000000),
    CONSTRAINT customer_address_natural_key UNIQUE (street, city, state, zip)
);

-- Location is per transaction in the data (merch_lat/merch_long move), so it is not a merchant attribute.
CREATE TABLE merchant (
    merchant_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (text_problem(name, 200) IS NULL),
    CONSTRAINT merchant_name_key UNIQUE (name)
);

-- One row per tokenized card. It holds the values of the latest transaction by transaction time:
-- last_seen is that time, so a file loaded late cannot overwrite newer values with older ones.
CREATE TABLE customer (
    card_token  text COLLATE "C" PRIMARY KEY CHECK (length(card_token) = 64 AND card_token ~ '^[0-9a-f]+$'),
    cc_last4    char(4) COLLATE "C" NOT NULL CHECK (cc_last4 ~ '^[0-9]{4}$'),
    first       text NOT NULL CHECK (text_problem(first, 100) IS NULL),
    last        text NOT NULL CHECK (text_problem(last, 100) IS NULL),
    gender      char(1) COLLATE "C" NOT NULL CHECK (gender IN ('M', 'F')),
    dob         date NOT NULL CHECK (dob >= DATE '1900-01-01'),
    job         text NOT NULL CHECK (text_problem(job, 200) IS NULL),
    address_id  bigint NOT NULL REFERENCES customer_address,
    last_seen   timestamp NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_address_idx ON customer (address_id);

-- The ledger: one row per S3 object version the loader has dealt with, committed in the same
-- transaction as everything the object produced. It is what makes a load exactly-once.
CREATE TABLE ingest_file (
    file_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket           text COLLATE "C" NOT NULL,
    key              text COLLATE "C" NOT NULL,
    etag             text COLLATE "C" NOT NULL,
    status           text NOT NULL CHECK (status IN ('loaded', 'rejected')),
    reason           text,
    rows_total       integer NOT NULL DEFAULT 0,
    rows_inserted    integer NOT NULL DEFAULT 0,
    rows_duplicate   integer NOT NULL DEFAULT 0,
    rows_rejected    integer NOT NULL DEFAULT 0,
    labels_updated   integer NOT NULL DEFAULT 0,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    CONSTRAINT ingest_file_object_key UNIQUE (bucket, key, etag),
    CONSTRAINT ingest_file_counts CHECK (rows_total = rows_inserted + rows_duplicate + rows_rejected),
    CONSTRAINT ingest_file_rejected_has_reason CHECK (status = 'loaded' OR reason IS NOT NULL)
);
CREATE INDEX ingest_file_started_idx ON ingest_file (started_at);

CREATE TABLE card_transaction (
    trans_num             text COLLATE "C" PRIMARY KEY CHECK (length(trans_num) <= 64 AND trans_num ~ '^[-A-Za-z0-9_]+$'),
    card_token            text COLLATE "C" NOT NULL REFERENCES customer,
    merchant_id           bigint NOT NULL REFERENCES merchant,
    category              text COLLATE "C" NOT NULL CHECK (length(category) <= 40 AND category ~ '^[a-z][a-z0-9_]*$'),
    amt                   numeric(12,2) NOT NULL CHECK (amt BETWEEN 0 AND 1000000),
    trans_date_trans_time timestamp NOT NULL,
    unix_time             bigint NOT NULL CHECK (unix_time BETWEEN 0 AND 100000000000),
    merch_lat             numeric(9,6) NOT NULL CHECK (merch_lat BETWEEN -90 AND 90),
    merch_long            numeric(9,6) NOT NULL CHECK (merch_long BETWEEN -180 AND 180),
    is_fraud              boolean,  -- NULL until the label arrives
    source_key            text COLLATE "C" NOT NULL,
    loaded_at             timestamptz NOT NULL DEFAULT now()
);
-- Read paths. Time is nearly append-ordered (files arrive in time order), so a BRIN index serves
-- range scans at a fraction of a btree's upkeep; card and merchant histories are btrees; fraud is rare,
-- so its partial index stays tiny.
CREATE INDEX card_transaction_time_brin ON card_transaction USING brin (trans_date_trans_time);
CREATE INDEX card_transaction_card_idx ON card_transaction (card_token, trans_date_trans_time);
CREATE INDEX card_transaction_merchant_idx ON card_transaction (merchant_id, trans_date_trans_time);
CREATE INDEX card_transaction_fraud_idx ON card_transaction (trans_date_trans_time) WHERE is_fraud;

-- A row the loader could not take, with every reason it found. The row holds card_token and
-- cc_last4, never a PAN: the API tokenized it before it reached the stream.
CREATE TABLE rejected_row (
    file_id   bigint NOT NULL REFERENCES ingest_file,
    line_no   integer NOT NULL,  -- the CSV record number; the header is record 1
    reason    text NOT NULL,
    row_data  jsonb NOT NULL,
    PRIMARY KEY (file_id, line_no)
);
