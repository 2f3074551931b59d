-- The file's rows as text, exactly as COPY read them; line_no is the CSV record number (header = 1).
-- Dropped at commit. Codes and numbers compare in "C" (byte order: fast, the same on every server); free
-- text keeps the database's collation, like the dimension columns it is matched against.
-- chalicelib/load/steps.py names this table and the steps that write and read it, with the others.
CREATE TEMP TABLE stage (
    line_no               bigint GENERATED ALWAYS AS IDENTITY (START WITH 2),
    trans_date_trans_time text COLLATE "C",
    card_token            text COLLATE "C",
    cc_last4              text COLLATE "C",
    merchant              text,
    category              text COLLATE "C",
    amt                   text COLLATE "C",
    first                 text,
    last                  text,
    gender                text COLLATE "C",
    street                text,
    city                  text,
    state                 text COLLATE "C",
    zip                   text COLLATE "C",
    lat                   text COLLATE "C",
    long                  text COLLATE "C",
    city_pop              text COLLATE "C",
    job                   text,
    dob                   text COLLATE "C",
    trans_num             text COLLATE "C",
    unix_time             text COLLATE "C",
    merch_lat             text COLLATE "C",
    merch_long            text COLLATE "C",
    is_fraud              text COLLATE "C",
    reason                text  -- NULL while the row is good; every problem found, '; '-separated
) ON COMMIT DROP
