-- The cards of the file's good rows: a small id for the scoring's sorts, the cardholder's home (in radians,
-- for the distance rule), and the time range the card's history is read over, from history_days before its
-- first transaction in the file to its last. (Canonical 'YYYY-MM-DD HH:MM:SS' text orders as time.)
-- chalicelib/load/steps.py names this table and its readers, with the other temporary tables of a load.
CREATE TEMP TABLE fraud_cards ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY f.card_token) AS card_id, f.card_token, f.since, f.until,
       radians(a.lat::float8) AS home_lat, radians(a.long::float8) AS home_long,
       cos(radians(a.lat::float8)) AS home_cos_lat
FROM (SELECT s.card_token,
             min(s.trans_date_trans_time) FILTER (WHERE s.reason IS NULL)::timestamp
                 - make_interval(days => %(history_days)s) AS since,
             max(s.trans_date_trans_time) FILTER (WHERE s.reason IS NULL)::timestamp AS until
      FROM stage s  -- no WHERE: the planner, without statistics on stage, then hashes the cards instead of sorting
      GROUP BY s.card_token) f
JOIN customer k ON k.card_token = f.card_token
JOIN customer_address a ON a.address_id = k.address_id
WHERE f.until IS NOT NULL  -- a card with good rows
