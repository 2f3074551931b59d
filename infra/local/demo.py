"""`make demo`: start the local stack, replay a sample over HTTP, wait for every accepted row in
PostgreSQL, stop the stack (draining), print what happened and write the dashboard (.local/dashboard.html).
Exit 1 if an accepted row is missing; exit 2, at once, if the stack says it cannot read the emulator.

The sample is generated once per (rows, seed) and kept in the state folder, so a second run replays the
same rows: everything is then a duplicate, and the summary says so. The client and the dashboard are their
own programs (`python -m client`, `python -m reporting`), run here as child processes and handed the
stack's endpoint, token and DSN: nothing here imports them, and they import nothing of infra/.
"""
from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from infra.local import children, database, observe, state
from infra.local.alerts import alert_summary
from infra.local.api import WARM_UP_REJECTED
from infra.local.ledger import run_ledger
from infra.local.metrics_tally import Tally
from infra.local.process import StackProcess
from infra.local.stack import StackOptions

STOP_GRACE_SECONDS = 10.0  # requests in flight when the replay is told to stop: the client's own timeout is 30 s


@dataclass
class Replayed:
    """What `python -m client replay --result-file` reports (client/report.py's write_result)."""
    sent: int
    accepted: int
    rejected: int
    malformed: int
    undelivered: int
    elapsed: float
    rejected_by_reason: Counter
    accepted_at: dict[str, float]

    @classmethod
    def read(cls, path: Path) -> Replayed:
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**body, "rejected_by_reason": Counter(body["rejected_by_reason"])})


def run_demo(options: StackOptions, rows: int = 10_000, seed: int = 42, demo_file: str = "") -> int:
    home = state.prepare_state_dir(options.state_dir)
    # Attach to the embedded server too (when there is no DATABASE_URL): it then keeps running after the
    # stack has stopped, for the checks below, and stops when this process exits.
    database.resolve_database_url(home, options.database_url)
    sample = Path(demo_file) if demo_file else _sample(options.project_dir, home, rows, seed)
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
            result = _replay_unless_broken(stack, options.project_dir, sample, info, home)
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
    except ReplayFailed as exc:
        _say(f"error: {exc}")
        stack.stop()
        return 1
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
    children.run_module(options.project_dir, "reporting", "--database-url", dsn, "--out", str(home / "dashboard.html"))
    if code != 0 or not drained["complete"]:
        _say(f"the stack did not drain cleanly (exit {code}); see {stack.log_path}")
    return 1 if missing or code != 0 or not drained["complete"] else 0


class StackBroken(RuntimeError):
    """The stack said it cannot read the emulator: nothing more will load."""


class ReplayFailed(RuntimeError):
    """The client ended without a result: it could not read the sample, or the API refused the token."""


def _replay_unless_broken(stack: StackProcess, project_dir: Path, sample: Path, info: dict, home: Path) -> Replayed:
    """`python -m client replay` of the sample against the stack, unless the stack reports an outage first:
    then the client is interrupted (Ctrl-C: it says which rows may be in flight), and StackBroken is raised."""
    result_file = home / "demo-result.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "client", "replay", str(sample), "--url", info["api_url"],
               "--token", info["token"], "--rejects", str(home / "demo-rejects.jsonl"),
               "--result-file", str(result_file)] + ([] if sys.stderr.isatty() else ["--no-progress"])
    child = subprocess.Popen(command, cwd=project_dir)
    while child.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(0.5)
        cause = stack.error()
        if cause:
            children.stop(child, STOP_GRACE_SECONDS, signal.SIGINT)  # Ctrl-C: it says which rows may be in flight
            raise StackBroken(cause)
    if not result_file.exists():  # the client could not even start (exit 2: unreadable file, 3: token refused)
        raise ReplayFailed(f"the client's replay failed (exit {child.returncode}); see its message above")
    return Replayed.read(result_file)


def _sample(project_dir: Path, home: Path, rows: int, seed: int) -> Path:
    path = home / "demo" / f"sample-{rows}-seed{seed}.csv"
    if path.exists():
        _say(f"sample: {path} (kept from an earlier run: its rows are duplicates now)")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    generate = ("client", "generate", "--rows", str(rows), "--seed", str(seed), "--out", str(path))
    if children.run_module(project_dir, *generate):
        raise RuntimeError("generating the sample failed; see the message above")
    return path


def _print_summary(result: Replayed, ledger: dict, seen: dict[str, float], started: float, missing: set[str],
                   alerts: list[str] = ()) -> None:
    fresh = [seen[t] - at for t, at in result.accepted_at.items() if t in seen and at]
    lines = [
        "",
        "== cardstream demo: summary ==",
        f"rows sent        {result.sent}",
        f"accepted         {result.accepted}",
        f"rejected         {result.rejected}"
        + "".join(f"\n  {n:>7}  {reason}" for reason, n in result.rejected_by_reason.most_common(10)),
        f"not sent         {result.malformed} malformed, {result.undelivered} undelivered",
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


def _say(line: str) -> None:
    print(line, flush=True)
