-- Addresses of the file's good cardholder combinations that are not stored yet. An address's coordinates
-- and city population are those first stored (the latest in this file when it is new). Key order, so
-- concurrent loads meet on the unique index in the same order and cannot deadlock.
INSERT INTO customer_address (street, city, state, zip, lat, long, city_pop)
SELECT DISTINCT ON (c.street, c.city, c.state, c.zip)
       c.street, c.city, c.state, c.zip, c.lat::numeric, c.long::numeric, c.city_pop::integer
FROM customer_seen c
WHERE c.reason IS NULL AND c.last_seen IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM customer_address a
                  WHERE a.street = c.street AND a.city = c.city
                    AND a.state = c.state::char(2) AND a.zip = c.zip::char(5))
ORDER BY c.street, c.city, c.state, c.zip, c.last_seen DESC, c.last_line DESC
ON CONFLICT ON CONSTRAINT customer_address_natural_key DO NOTHING
