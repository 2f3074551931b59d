-- Fraud features from compact per-card state kept as rows load (chalicelib/fraud_features.py runs
-- chalicelib/sql/fraud_features_*.sql in the loader's transaction), so a file's scoring reads a bounded amount
-- of state per card however long the stored history grows. Every table here is derived from card_transaction
-- and can be rebuilt from it with fraud_profile_rebuild(). Labels (is_fraud) are never part of it.

-- Running aggregates of each card's whole history: order-independent sums, so rows loaded late or out of
-- order leave the same state as rows loaded in time order. ln(amt + 1) makes the "typical amount" a geometric
-- mean, which one large purchase does not drag.
CREATE TABLE fraud_card_profile (
    card_token  text COLLATE "C" PRIMARY KEY REFERENCES customer,
    n           bigint NOT NULL CHECK (n > 0),
    sum_lamt    float8 NOT NULL,            -- sum of ln(amt + 1)
    first_ts    timestamp NOT NULL,
    last_ts     timestamp NOT NULL
);

-- Each card's recent transactions: those within recent_days (14) of the card's newest. The velocity windows
-- (1 h, 24 h, 7 d) and the time since the previous transaction read only these, so a row up to 7 days later than
-- its card's newest still sees exact windows. Pruned as the card's newest time moves on.
CREATE TABLE fraud_card_recent (
    card_token  text COLLATE "C" NOT NULL,
    ts          timestamp NOT NULL,
    trans_num   text COLLATE "C" NOT NULL,
    cents       bigint NOT NULL,
    PRIMARY KEY (card_token, ts, trans_num)
);

-- The first time (in transaction time) each card used each merchant ('m', merchant_id) and category ('c').
-- A late row earlier than the stored first use becomes the first use: least() keeps the minimum.
CREATE TABLE fraud_card_seen (
    card_token  text COLLATE "C" NOT NULL,
    kind        "char" NOT NULL CHECK (kind IN ('m', 'c')),
    item        text COLLATE "C" NOT NULL,
    first_ts    timestamp NOT NULL,
    PRIMARY KEY (card_token, kind, item)
);

-- Each category's running aggregates: its typical amount (geometric mean of amt + 1).
CREATE TABLE fraud_category_profile (
    category    text COLLATE "C" PRIMARY KEY,
    n           bigint NOT NULL CHECK (n > 0),
    sum_lamt    float8 NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON fraud_card_profile, fraud_card_seen, fraud_category_profile TO cardstream_loader;
GRANT SELECT, INSERT, DELETE ON fraud_card_recent TO cardstream_loader;

-- The state rebuilt from card_transaction, set-based: for a database loaded before this migration, or one
-- whose history was written around the loader (the at-scale benchmark). Idempotent: it starts from empty.
CREATE FUNCTION fraud_profile_rebuild(recent_days integer DEFAULT 14) RETURNS void
LANGUAGE sql AS $$
    TRUNCATE fraud_card_profile, fraud_card_recent, fraud_card_seen, fraud_category_profile;
    INSERT INTO fraud_card_profile (card_token, n, sum_lamt, first_ts, last_ts)
    SELECT card_token, count(*), sum(ln(amt::float8 + 1)), min(trans_date_trans_time), max(trans_date_trans_time)
    FROM card_transaction GROUP BY card_token;
    INSERT INTO fraud_card_recent (card_token, ts, trans_num, cents)
    SELECT t.card_token, t.trans_date_trans_time, t.trans_num, (t.amt * 100)::bigint
    FROM card_transaction t JOIN fraud_card_profile p USING (card_token)
    WHERE t.trans_date_trans_time >= p.last_ts - make_interval(days => recent_days);
    INSERT INTO fraud_card_seen (card_token, kind, item, first_ts)
    SELECT card_token, 'm', merchant_id::text, min(trans_date_trans_time) FROM card_transaction GROUP BY 1, 3
    UNION ALL
    SELECT card_token, 'c', category, min(trans_date_trans_time) FROM card_transaction GROUP BY 1, 3;
    INSERT INTO fraud_category_profile (category, n, sum_lamt)
    SELECT category, count(*), sum(ln(amt::float8 + 1)) FROM card_transaction GROUP BY category;
$$;

SELECT fraud_profile_rebuild();
