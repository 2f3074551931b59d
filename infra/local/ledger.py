"""The loader's ledger (`ingest_file`) for one run of the local stack: files and row counts."""
from __future__ import annotations

import contextlib
import datetime as dt

from infra.local.observe import connect

_RUN_TOTALS = """
SELECT count(*), coalesce(sum(rows_total), 0), coalesce(sum(rows_inserted), 0),
       coalesce(sum(rows_duplicate), 0), coalesce(sum(rows_rejected), 0),
       count(*) FILTER (WHERE status <> 'loaded')
  FROM ingest_file
 WHERE bucket = %s AND started_at >= %s
"""


def run_ledger(dsn: str, bucket: str, since: dt.datetime) -> dict[str, int]:
    """Totals over the files of `bucket` whose load started at or after `since`."""
    with contextlib.closing(connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute(_RUN_TOTALS, (bucket, since))
        files, total, inserted, duplicate, rejected, not_loaded = cur.fetchone()
    return {"files": files, "rows_total": total, "rows_inserted": inserted, "rows_duplicate": duplicate,
            "rows_rejected": rejected, "files_not_loaded": not_loaded}
