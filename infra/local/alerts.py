"""The fraud-alert lines of `make demo`'s summary: what the rules flagged among the rows this run loaded."""
from __future__ import annotations

import datetime as dt

import psycopg2

_COUNTS = """
SELECT (SELECT count(*) FROM card_transaction WHERE loaded_at >= %(since)s),
       (SELECT count(*) FROM card_transaction WHERE loaded_at >= %(since)s AND is_fraud),
       count(*), count(*) FILTER (WHERE t.is_fraud), count(*) FILTER (WHERE t.is_fraud IS NOT NULL)
FROM fraud_alert a
JOIN card_transaction t USING (trans_num)
WHERE a.created_at >= %(since)s
"""
_REASONS = """
SELECT split_part(r, ':', 1) AS rule, count(*) FROM fraud_alert a, unnest(a.reasons) AS r
WHERE a.created_at >= %(since)s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 4
"""


def alert_summary(dsn: str, since: dt.datetime) -> list[str]:
    """Summary lines: alerts raised since `since` (the database's clock), against the labels loaded with them."""
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(_COUNTS, {"since": since})
            loaded, frauds, alerts, hits, labelled = cur.fetchone()
            cur.execute(_REASONS, {"since": since})
            reasons = ", ".join(f"{rule} {n}" for rule, n in cur.fetchall())
    finally:
        conn.close()
    rate = f"{alerts / loaded:.2%} of {loaded:,} new rows" if loaded else "no new rows"
    lines = [f"fraud alerts     {alerts:,} ({rate}); GET /alerts lists them, the dashboard has their tiles"]
    if frauds or labelled:
        confirmed = f"{hits / labelled:.0%}" if labelled else "-"
        lines.append(f"  vs labels      {hits:,} of {frauds:,} labelled frauds alerted; {confirmed} of labelled "
                     "alerts were fraud")
    if reasons:
        lines.append(f"  top reasons    {reasons}")
    return lines
