"""The pipeline-health tiles: freshness of the data and the ingest ledger, from the reporting views."""
from __future__ import annotations

import datetime as dt

from reporting import charts

STALE_AFTER = dt.timedelta(hours=1)  # no file for this long while the stream should be live: look closer


def _age(then: dt.datetime, now: dt.datetime) -> str:
    seconds = max(int((now - then).total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def _utc(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S UTC") -> str:
    return moment.astimezone(dt.UTC).strftime(fmt) if moment else "never"


def draw_freshness(rows: list[dict]) -> str:
    row = rows[0] if rows else {}
    last, now = row.get("last_loaded_at"), row.get("checked_at")
    age = _age(last, now) if last and now else "none yet"
    warn = ["Last file loaded"] if not last or (now and now - last > STALE_AFTER) else []
    if row.get("rejected_rows_last_hour"):
        warn.append("Rejected rows, last hour")
    return charts.kpis([
        ("Last file loaded", age, _utc(last)),
        ("Rows loaded, last hour", charts.fmt_int(row.get("rows_loaded_last_hour", 0)),
         f"from {charts.fmt_int(row.get('files_loaded_last_hour', 0))} files"),
        ("Rejected rows, last hour", charts.fmt_int(row.get("rejected_rows_last_hour", 0)),
         f"{charts.fmt_int(row.get('rejected_rows', 0))} all time, each with its reason"),
    ], warn=warn)


def draw_ledger(rows: list[dict]) -> str:
    body = [(row["status"], charts.fmt_int(row["files"]), charts.fmt_int(row["rows_inserted"]),
             charts.fmt_int(row["rows_duplicate"]), charts.fmt_int(row["rows_rejected"]),
             _utc(row["last_finished_at"], "%Y-%m-%d %H:%M"))
            for row in rows]
    return charts.table(("status", "files", "rows loaded", "duplicates", "rejected", "last finished (UTC)"), body)


def draw_hot_window(rows: list[dict]) -> str:
    """What PostgreSQL still holds (reporting.hot_window): every tile here covers the hot window only; all
    history is in the lake (Athena, docs/athena.md)."""
    row = rows[0] if rows else {}
    days, since = row.get("hot_days"), row.get("hot_since")
    if not days:
        return charts.kpis([("Hot storage", "all history", "retention is off in this stage: nothing has left")])
    warn = [] if row.get("complete") else ["Last retention run"]
    return charts.kpis([
        ("Hot storage", f"last {days} days", f"transactions loaded since {_utc(since, '%Y-%m-%d %H:%M UTC')}; "
                                              "older ones are in the lake (Athena)"),
        ("Ledger kept", f"{row.get('ledger_days')} days", "longer than a file can be redelivered"),
        ("Last retention run", _utc(row.get("last_run_at"), "%Y-%m-%d %H:%M UTC"),
         "complete" if row.get("complete") else "stopped early: the next run goes on"),
    ], warn=warn)
