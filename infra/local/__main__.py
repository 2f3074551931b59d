"""`python -m infra.local up|demo|dashboard|evaluate|train|fraud-report`: run the local stack in the foreground,
or the demo against it; or find a database (DATABASE_URL, else the embedded one) and hand it to
`python -m reporting` or `python -m tools.evaluate[.train|.report]`, which take a DSN and import nothing of infra/."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from chalicelib.platform.settings import get_settings
from infra.local import children
from infra.local.api import WARM_UP_REJECTED
from infra.local.database import psql_command, redact
from infra.local.metrics_tally import Tally, TeeLines
from infra.local.outage import ERROR_PREFIX
from infra.local.stack import LocalStack, StackOptions

PROJECT_DIR = Path(__file__).resolve().parents[2]
METRICS_EVERY_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__,
                                     epilog="examples: python -m infra.local demo --rows 10000; "
                                            "python -m infra.local up --port 8000 (what make demo / make up run)")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="run the stack in the foreground; Ctrl-C drains and stops it",
                             epilog="example: python -m infra.local up --port 8000 --state-dir .local")
    _add_stack_options(up)
    demo = commands.add_parser("demo", help="start the stack, replay a sample through it, print a summary",
                               epilog="example: python -m infra.local demo --rows 10000")
    _add_stack_options(demo)
    demo.add_argument("--rows", type=int, default=10_000, help="rows to generate (default 10000)")
    demo.add_argument("--seed", type=int, default=42, help="generator seed: the same seed gives the same rows")
    demo.add_argument("--file", default="", help="replay this CSV instead of generating one")
    dash = commands.add_parser("dashboard", help="write the dashboard of the local stack's database",
                               epilog="example: python -m infra.local dashboard --out .local/dashboard.html")
    dash.add_argument("--state-dir", default=str(PROJECT_DIR / ".local"),
                      help="the local stack's state folder, used without DATABASE_URL (default .local/)")
    dash.add_argument("--out", required=True, help="HTML file to write")
    ev = commands.add_parser("evaluate", help="measure the fraud rules on a labelled CSV (python -m tools.evaluate) "
                             "on DATABASE_URL's server, else on a throw-away embedded one",
                             epilog="example: python -m infra.local evaluate ../shared/data/sparkov_train_head_5k.csv "
                             "--pr-curve pr.png")
    ev.add_argument("file", help="labelled Sparkov CSV (with is_fraud)")
    tr = commands.add_parser("train", help="fit the fraud model (python -m tools.evaluate.train) on DATABASE_URL's "
                             "server, else on a throw-away embedded one",
                             epilog="example: python -m infra.local train ../shared/data/sparkov_labelled_27k.csv")
    tr.add_argument("file", help="labelled Sparkov CSV to train on")
    commands.add_parser("fraud-report", help="the out-of-time report (python -m tools.evaluate.report) on "
                        "DATABASE_URL's server, else on a throw-away embedded one",
                        epilog="example: python -m infra.local fraud-report --data ../shared/data --out docs/fraud.md")
    args, extra = parser.parse_known_args(argv)
    if args.command == "dashboard":
        return _dashboard(Path(args.state_dir), args.out)
    if args.command in WITH_SERVER:
        return _with_server(WITH_SERVER[args.command], *([args.file] if hasattr(args, "file") else []), *extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    options = StackOptions(project_dir=PROJECT_DIR, state_dir=Path(args.state_dir), api_port=args.port,
                           moto_port=args.moto_port, shards=args.shards,
                           database_url=get_settings().database_url)
    if args.command == "up":
        return run_foreground(options)
    from infra.local.demo import run_demo

    return run_demo(options, rows=args.rows, seed=args.seed, demo_file=args.file)


def _dashboard(state_dir: Path, out: str) -> int:
    from infra.local.database import resolve_database_url

    dsn, _ = resolve_database_url(state_dir, get_settings().database_url)
    return children.run_module(PROJECT_DIR, "reporting", "--database-url", dsn, "--out", out)


WITH_SERVER = {"evaluate": "tools.evaluate", "train": "tools.evaluate.train", "fraud-report": "tools.evaluate.report"}


def _with_server(module: str, *args: str) -> int:
    """`python -m module args --database-url SERVER`: DATABASE_URL's server, else a throw-away embedded one."""
    server = get_settings().database_url
    if not server:
        import tempfile

        from infra.local.postgres import ensure_postgres  # stopped and deleted when this process exits

        server = ensure_postgres(tempfile.mkdtemp(prefix="cardstream-eval-"), on_exit="delete")
    return children.run_module(PROJECT_DIR, module, *args, "--database-url", server)


def _add_stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="API port on 127.0.0.1 (default 8000)")
    parser.add_argument("--state-dir", default=str(PROJECT_DIR / ".local"),
                        help="state folder: embedded PostgreSQL data, demo token, card key (default .local/)")
    parser.add_argument("--moto-port", type=int, default=0, help="emulator port (default: a free one)")
    parser.add_argument("--shards", type=int, default=2, help="Kinesis shards (default 2)")


def run_foreground(options: StackOptions) -> int:
    """Start, print how to reach it, serve until Ctrl-C / SIGTERM, then drain and stop."""
    sys.stdout.reconfigure(line_buffering=True)  # handler log lines show up as they happen, even in a file
    stop = threading.Event()

    def _on_signal(signum, _frame):
        if stop.is_set() and signum == signal.SIGINT:  # a second Ctrl-C: give up on draining
            raise KeyboardInterrupt
        stop.set()  # a repeated SIGTERM changes nothing: the drain goes on

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    # Every line the handlers print (here, and the API's, copied through) is counted: the metrics summary.
    tally = Tally(exclude=WARM_UP_REJECTED)
    sys.stdout = TeeLines(sys.stdout, tally)
    stack = LocalStack(options, say=_say, api_output=sys.stdout)
    try:
        info = stack.start()
        _announce(info)
        _serve(stack, stop, tally)
        report = stack.stop()
    except KeyboardInterrupt:
        _say("stopped without draining: records still on the stream or in unloaded files are lost")
        return 130
    _say(tally.summary_line())
    _say(f"drained: {report.records_delivered} stream records delivered, {report.files_delivered} files loaded"
         + (f", {len(report.files_given_up)} files left to the sweep" if report.files_given_up else ""))
    _say("stopped" if report.complete else "stopped, but the drain did NOT finish: see the errors above")
    return 0 if report.complete else 1


def _serve(stack: LocalStack, stop: threading.Event, tally: Tally) -> None:
    """Until stopped: the metrics summary every 10 s; say once (ERROR_PREFIX, which `make demo` watches for) when
    the emulator cannot be read."""
    reported, next_summary = None, time.monotonic() + METRICS_EVERY_SECONDS
    while not stop.wait(0.5):
        if time.monotonic() >= next_summary:
            _say(tally.summary_line())
            next_summary += METRICS_EVERY_SECONDS
        if not stack.api_alive():
            _say("the API process exited; stopping")
            return
        outage = stack.outage()
        if outage and not reported:
            _say(f"{ERROR_PREFIX}{outage}")
        elif reported and not outage:
            _say("the emulator answers again")
        reported = outage


def _announce(info: dict) -> None:
    _say(f"API       {info['api_url']}  (POST /transactions, GET /health)")
    _say(f"token     {info['token']}")
    _say(f"psql      {psql_command(redact(info['database_url']))}")
    _say(f"try       curl -s {info['api_url']}/health")
    _say("ready")


def _say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
