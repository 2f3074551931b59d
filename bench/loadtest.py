"""`make loadtest`: the local stack under N concurrent clients for a bounded time, then the proof that every
accepted row reached PostgreSQL.

It starts the stack (`python -m infra.local up`, the command a person runs) with a state folder of its own,
drives POST /transactions over HTTP on 127.0.0.1 (bench/loadgen.py), waits for the accepted rows to be
loaded, stops the stack (draining), and looks every accepted trans_num up in PostgreSQL. It reports
requests/s, records/s, latency percentiles and how long the pipeline took to catch up. The last line is
`loadtest: A accepted, B in postgres, C lost, R req/s, p99 P ms`; the exit code is 1 if C > 0.

Usage: python -m bench.loadtest [--clients 8] [--seconds 30] [--batch-size 100] [--state-dir DIR]
"""
from __future__ import annotations

import argparse
import atexit
import itertools
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.loadgen import LoadResult, drive, percentile
from chalicelib.dictionary.fields import FIELDS
from chalicelib.platform.settings import get_settings
from client.generate import generate_rows
from infra.local import database, observe, state
from infra.local.postgres import ensure_postgres
from infra.local.process import StackProcess

PROJECT_DIR = Path(__file__).resolve().parents[1]
CHUNK_ROWS = 10_000


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    home = state.prepare_state_dir(args.state_dir or tempfile.mkdtemp(prefix="cardstream-loadtest-"))
    if not args.state_dir:
        # Registered before the embedded server's own exit handler, so it runs after it (atexit is LIFO):
        # the server stops and deletes its data first, then the rest of the temporary folder goes.
        atexit.register(shutil.rmtree, home, ignore_errors=True)
    # Attach to the embedded server (when there is no DATABASE_URL) so it outlives the stack for the check.
    if get_settings().database_url or args.state_dir:
        database.resolve_database_url(home, get_settings().database_url)
    else:
        ensure_postgres(home, on_exit="delete")
    stack = StackProcess(PROJECT_DIR, home, args.port or _free_port(), log_path=home / "stack.log")
    _say(f"starting the local stack (state {home}, log {stack.log_path}) ...")
    info = stack.start()
    dsn = info["database_url"]
    try:
        _say(f"driving {info['api_url']}: {args.clients} clients, {args.seconds:g} s, {args.batch_size} rows/request")
        result = drive(info["api_url"], info["token"], _rows(int(time.time())), args.clients, args.seconds,
                       args.batch_size)
        load_ended = time.monotonic()
        _say(f"waiting for {len(result.accepted)} accepted rows to reach PostgreSQL ...")
        observe.wait_for_rows(dsn, result.accepted, stall_seconds=60)
        catch_up = time.monotonic() - load_ended
    finally:
        _say("stopping the stack (draining) ...")
        code = stack.stop()
    missing = observe.missing_rows(dsn, result.accepted)
    _report(result, len(result.accepted) - len(missing), catch_up)
    if code != 0:
        _say(f"the stack did not stop cleanly (exit {code}); see {stack.log_path}")
    req_s = result.requests / result.elapsed
    _say(f"loadtest: {len(result.accepted)} accepted, {len(result.accepted) - len(missing)} in postgres, "
         f"{len(missing)} lost, {req_s:.0f} req/s, p99 {percentile(result.latencies_ms, 99):.0f} ms")
    return 1 if missing or code != 0 else 0


def _rows(seed: int) -> Iterator[dict]:
    """Generated transactions without end, in chunks (each chunk its own seed: fresh cards, unique trans_nums)."""
    for n in itertools.count():
        for values in generate_rows(CHUNK_ROWS, seed=seed + n):
            yield dict(zip(FIELDS, values, strict=True))


def _report(result: LoadResult, stored: int, catch_up: float) -> None:
    lat = result.latencies_ms
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items(), key=str))
    _say("\n".join([
        "",
        "== cardstream load test ==",
        f"requests        {result.requests} in {result.elapsed:.1f} s = {result.requests / result.elapsed:,.1f} req/s"
        f" ({statuses})",
        f"records         {result.rows_sent} sent, {len(result.accepted)} accepted "
        f"= {len(result.accepted) / result.elapsed:,.0f} records/s accepted; {result.rejected} rejected",
        f"latency         p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, "
        f"p99 {percentile(lat, 99):.0f} ms, max {max(lat, default=0):.0f} ms",
        f"pipeline        {stored} of {len(result.accepted)} accepted rows in PostgreSQL, "
        f"{catch_up:.1f} s after the load ended",
    ]))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to send (default 30)")
    parser.add_argument("--batch-size", type=int, default=100, help="transactions per request (default 100)")
    parser.add_argument("--port", type=int, default=0, help="API port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--state-dir", default="", help="the stack's state folder (default: a new temporary one)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or not 1 <= args.batch_size <= 500:
        parser.error("--clients >= 1, --seconds > 0 and --batch-size 1..500")
    return args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
