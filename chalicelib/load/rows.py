"""One raw file's rows into the tables, inside the caller's transaction.

COPY streams the body into a temporary staging table of text columns; then a few set-based statements
(chalicelib/load/sql/*.sql; the temporary tables between them are described in load/steps.py) check every
row against the rules, record the rejects with their reasons, upsert addresses, merchants and customers in
a deterministic order, and insert the transactions once per trans_num. No statement runs per row. The
per-row fields skip the rule functions when the body's own line proof (lineproof.py, made while it streams,
from the same rules) shows them good.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg2

from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.load.body import BadFile, CsvBody
from chalicelib.platform.sqlfiles import sql_text

COPY_CHUNK_BYTES = 1 << 16
COPY_ROWS = (f"COPY stage ({', '.join(STREAM_COLUMNS)}) FROM STDIN "
             "(FORMAT csv, HEADER true, ENCODING 'UTF8')")
_CONTEXT_LINE = re.compile(r"line (\d+)")
# The temporary tables are described in load/steps.py.
_ANY_BAD_MERCHANT = "SELECT EXISTS (SELECT 1 FROM merchant_seen WHERE reason IS NOT NULL)"
_ANY_BAD_CUSTOMER = "SELECT EXISTS (SELECT 1 FROM customer_seen WHERE reason IS NOT NULL)"


@dataclass
class RowCounts:
    total: int = 0
    inserted: int = 0
    duplicate: int = 0
    rejected: int = 0
    labels_updated: int = 0


def copy_rows(cur, body: CsvBody) -> int:
    """Stream the body into `stage`; the number of rows. Raises BadFile when it is not readable CSV."""
    cur.execute(sql_text("load", "stage"))
    cur.execute("SAVEPOINT copy_rows")
    try:
        cur.copy_expert(COPY_ROWS, body, size=COPY_CHUNK_BYTES)
    except psycopg2.Error as exc:
        # psycopg2 turns an exception inside body.read() into QueryCanceled; the body kept the original.
        failure = body.failure
        if failure is None and (exc.pgcode or "").startswith("22"):  # data exception: the bytes are bad
            failure = BadFile(_describe(exc))
        if failure is None:
            raise
        if not isinstance(failure, BadFile):
            raise failure from exc
        cur.execute("ROLLBACK TO SAVEPOINT copy_rows")
        raise failure from None
    total = cur.rowcount
    # The rest of the load runs in the transaction itself: chalicelib/fraud/sql/features_rows.sql tells the first
    # uses this load wrote by their xmin, which a savepoint would give its own id.
    cur.execute("RELEASE SAVEPOINT copy_rows")
    return total


def load_rows(cur, file_id: int, source_key: str, total: int, proven: bool = False) -> RowCounts:
    """Check, dedupe and write the staged rows; the counts for the ledger. `proven`: the body's LineProof
    held, so the per-row fields need no checks here."""
    some_bad = not proven
    if some_bad:
        cur.execute(sql_text("load", "check_rows"))
    for check, any_bad, reject in (("check_merchants", _ANY_BAD_MERCHANT, "reject_merchants"),
                                   ("check_customers", _ANY_BAD_CUSTOMER, "reject_customers")):
        cur.execute(sql_text("load", check))
        cur.execute(any_bad)
        if cur.fetchone()[0]:
            cur.execute(sql_text("load", reject))
            some_bad = True
    rejected = 0
    if some_bad:  # else no row has a reason: the scan for them would find nothing
        cur.execute(sql_text("load", "record_rejects"), {"file_id": file_id})
        rejected = cur.rowcount
    for name in ("upsert_addresses", "upsert_merchants", "upsert_customers"):
        cur.execute(sql_text("load", name))
    cur.execute(sql_text("load", "insert_facts"), {"source_key": source_key})
    inserted, labelled = cur.rowcount, 0
    if inserted < total - rejected:  # some good rows repeated a trans_num: they may bring labels
        cur.execute(sql_text("load", "update_labels"))
        labelled = cur.rowcount
    return RowCounts(total, inserted, total - rejected - inserted, rejected, labelled)


def _describe(exc: psycopg2.Error) -> str:
    # The message and the line number only: COPY's context quotes the row, which may hold names.
    message = exc.diag.message_primary or str(exc).splitlines()[0]
    line = _CONTEXT_LINE.search(exc.diag.context or "")
    return f"not a readable CSV file: {message}" + (f" (line {line.group(1)})" if line else "")
