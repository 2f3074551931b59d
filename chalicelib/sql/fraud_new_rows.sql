-- The transactions this file inserted (not the duplicates it repeated): the rows the scoring scores. The
-- loader's INSERT gave them loaded_at = now(), the start of this very transaction.
CREATE TEMP TABLE fraud_new ON COMMIT DROP AS
SELECT t.trans_num, t.card_token, t.trans_date_trans_time AS ts
FROM card_transaction t
WHERE t.trans_num IN (SELECT s.trans_num FROM stage s WHERE s.reason IS NULL)
  AND t.loaded_at = now()
