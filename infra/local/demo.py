"""`make demo`: start the local stack, replay a sample over HTTP, wait for every accepted row in
PostgreSQL, stop the stack (draining), print what happened and write the dashboard (.local/dashboard.html).
Exit 1 if an accepted row is missing; exit 2, at once, if the stack says it cannot read the emulator.

The sample is generated once per (rows, seed) and kept in the state folder, so a second run replays the
same rows: everything is then a duplicate, and the summary says so.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from client.dashboard import render_dashboard
from client.generate import write_csv
from client.replay import replay
from client.report import format_report, write_rejects
from infra.local import database, observe, state
from infra.local.alerts import alert_summary
from infra.local.api import WARM_UP_REJECTED
from infra.local.ledger import run_ledger
from infra.local.metrics_tally import Tally
from infra.local.process import StackProcess
from infra.local.stack import StackOptions

T = TypeVar("T")
STOP_GRACE_SECONDS = 10.0  # requests in flight when the replay is told to stop: the client's own timeout is 30 s


def run_demo(options: StackOptions, rows: int = 10_000, seed: int = 42, demo_file: str = "") -> int:
    home = state.prepare_state_dir(options.state_dir)
    # Attach to the embedded server too (when there is no DATABASE_URL): it then keeps running after the
    # stack has stopped, for the checks below, and stops when this process exits.
    database.resolve_database_url(home, options.database_url)
    sample = Path(demo_file) if demo_file else _sample(home, rows, seed)
    stack = StackProcess(options.project_dir, home, options.api_port, log_path=home / "stack.log")
    _say(f"starting the local stack (log: {stack.log_path}) ...")
    try:
        info = stack.start()
    except RuntimeError as exc:
        _say(f"error: {exc}")
        return 1
    for warning in stack.lines_starting("warning:"):
        _say(warning)
    _say(f"stack ready: API {info['api_url']}, PostgreSQL {info['database_url']}")
    try:
        dsn = info["database_url"]
        since = observe.database_now(dsn)
        with observe.VisibilityWatch(dsn, since) as watch:
            started = time.time()
            result = _unless_broken(stack, lambda stop: replay(
                sample, info["api_url"], info["token"], warn=lambda m: _say(f"warning: {m}"),
                on_progress=_progress(rows), stop=stop))
            _say(format_report(result, home / "demo-rejects.jsonl"))
            if result.rejected or result.malformed or result.undelivered:
                write_rejects(result, home / "demo-rejects.jsonl")
            accepted = sorted(result.accepted_at)
            _say(f"waiting for {len(accepted)} accepted rows to reach PostgreSQL ...")
            observe.wait_for_rows(dsn, accepted, broken=stack.error)
            if stack.error():
                raise StackBroken(stack.error())
    except StackBroken as exc:
        _say(f"error: the local emulator cannot be read, so no accepted row can load: {exc}")
        _say(f"stopping the stack; its log: {stack.log_path}")
        stack.stop()
        return 2
    finally:
        if not stack.stopped:
            _say("stopping the stack (draining) ...")
            code = stack.stop()
    drained = state.read_drain_file(home) or {"complete": False, "files": []}
    missing = observe.missing_rows(dsn, accepted)
    ledger = run_ledger(dsn, info["bucket"], [tuple(f) for f in drained["files"]], since)
    _print_summary(result, ledger, watch.seen, started, missing, alert_summary(dsn, since))
    # Summed from the EMF lines the functions printed into the stack's log (not from the database).
    _say(Tally(exclude=WARM_UP_REJECTED).feed_all(stack.lines()).summary_line())
    _say(f"dashboard        {render_dashboard(dsn, str(home / 'dashboard.html'))}")
    if code != 0 or not drained["complete"]:
        _say(f"the stack did not drain cleanly (exit {code}); see {stack.log_path}")
    return 1 if missing or code != 0 or not drained["complete"] else 0


class StackBroken(RuntimeError):
    """The stack said it cannot read the emulator: nothing more will load."""


def _unless_broken(stack: StackProcess, work: Callable[[threading.Event], T]) -> T:
    """`work(stop)`, in a thread, unless the stack reports an outage first: then `stop` is set, the work gets
    a moment to wind down, and StackBroken is raised."""
    box: dict = {}
    stop = threading.Event()

    def run() -> None:
        try:
            box["value"] = work(stop)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=run, name="demo-replay", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
        cause = stack.error()
        if cause:
            stop.set()
            thread.join(STOP_GRACE_SECONDS)
            raise StackBroken(cause)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _sample(home: Path, rows: int, seed: int) -> Path:
    path = home / "demo" / f"sample-{rows}-seed{seed}.csv"
    if path.exists():
        _say(f"sample: {path} (kept from an earlier run: its rows are duplicates now)")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fraud = write_csv(path, rows, seed=seed)
    _say(f"sample: generated {rows} rows ({fraud} fraud) -> {path}")
    return path


def _print_summary(result, ledger: dict, seen: dict[str, float], started: float, missing: set[str],
                   alerts: list[str] = ()) -> None:
    fresh = [seen[t] - at for t, at in result.accepted_at.items() if t in seen and at]
    lines = [
        "",
        "== cardstream demo: summary ==",
        f"rows sent        {result.sent}",
        f"accepted         {result.accepted}",
        f"rejected         {len(result.rejected)}"
        + "".join(f"\n  {n:>7}  {reason}" for reason, n in result.rejected_by_reason().most_common(10)),
        f"not sent         {len(result.malformed)} malformed, {len(result.undelivered)} undelivered",
        f"files written    {ledger['files']} raw CSV files on S3: {ledger['files_loaded']} loaded, "
        f"{ledger['files_skipped']} skipped (the same object was loaded before), {ledger['files_missing']} not loaded",
        f"rows loaded      {ledger['rows_inserted']} new rows in card_transaction",
        f"duplicates       {ledger['rows_duplicate']} rows already stored (deduped on trans_num, or whole files "
        "skipped by the ledger)",
        f"rows rejected    {ledger['rows_rejected']} by the loader (rejected_row)",
        f"missing          {len(missing)} accepted rows not in PostgreSQL",
        *alerts,
    ]
    if fresh:
        span = max(seen[t] for t in result.accepted_at if t in seen) - started
        lines.append(f"throughput       {len(fresh) / span:,.0f} rows/s end to end "
                     f"({len(fresh)} rows from first POST to last row visible in {span:.1f} s)")
        p50, p95 = observe.percentile(fresh, 50), observe.percentile(fresh, 95)
        lines.append(f"freshness        p50 {p50:.2f} s, p95 {p95:.2f} s (POST returned -> row visible in PostgreSQL)")
    else:
        why = ("no row was accepted" if not result.accepted else "no accepted row reached PostgreSQL" if missing
               else "every accepted row was already loaded")
        lines.append(f"throughput       {result.sent / max(result.elapsed, 1e-9):,.0f} rows/s replayed; "
                     f"no end-to-end time or freshness: {why}")
    _say("\n".join(lines))


def _progress(total: int):
    if not sys.stdout.isatty():
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="row", dynamic_ncols=True, leave=False)
    return bar.update


def _say(line: str) -> None:
    print(line, flush=True)
