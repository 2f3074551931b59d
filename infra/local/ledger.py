"""The loader's ledger (`ingest_file`) for the files of one run of the local stack."""
from __future__ import annotations

import contextlib
import datetime as dt

from infra.local.observe import connect

# Per file of the run: loaded by this run (started at or after `since`), or earlier (a byte-identical
# object under the same key was loaded before, so the ledger skipped it whole).
_RUN_FILES = """
SELECT i.started_at >= %s AS this_run, count(*), coalesce(sum(rows_total), 0), coalesce(sum(rows_inserted), 0),
       coalesce(sum(rows_duplicate), 0), coalesce(sum(rows_rejected), 0)
  FROM ingest_file i
  JOIN unnest(%s::text[], %s::text[]) AS f(key, etag) ON i.key = f.key AND i.etag = f.etag
 WHERE i.bucket = %s
 GROUP BY 1
"""


def run_ledger(dsn: str, bucket: str, files: list[tuple[str, str]], since: dt.datetime) -> dict[str, int]:
    """What the ledger says about `files` (key, etag): loaded now, skipped as loaded before, and their rows."""
    keys, etags = [k for k, _ in files], [e for _, e in files]
    with contextlib.closing(connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute(_RUN_FILES, (since, keys, etags, bucket))
        found = {row[0]: row[1:] for row in cur.fetchall()}
    now = found.get(True, (0, 0, 0, 0, 0))
    before = found.get(False, (0, 0, 0, 0, 0))
    return {"files": len(files), "files_loaded": now[0], "files_skipped": before[0],
            "files_missing": len(files) - now[0] - before[0], "rows_inserted": now[2],
            "rows_duplicate": now[3] + before[1], "rows_rejected": now[4]}
