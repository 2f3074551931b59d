"""`python -m client COMMAND`: argument wiring only; the work is in client.generate and client.replay."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from client.csvsource import CsvFormatError, count_lines
from client.generate import DEFAULT_FRAUD_RATE, fraud_count, write_csv
from client.replay import MAX_BATCH_SIZE, AuthRefused, RetryPolicy, replay
from client.report import format_report, write_rejects

GENERATE_EXAMPLE = "example:\n  python -m client generate --rows 10000 --seed 7 --out sample.csv"
DESCRIPTION = "cardstream client: generate Sparkov-shaped CSVs and replay CSVs through the ingest API"
MAIN_EXAMPLE = """examples:
  python -m client generate --rows 10000 --seed 7 --out sample.csv
  python -m client replay sample.csv --url http://127.0.0.1:8000 --token "$TOKEN"

run `python -m client COMMAND --help` for each command's options"""
DASHBOARD_EXAMPLE = """example:
  python -m client dashboard --out dashboard.html --database-url postgresql://postgres@127.0.0.1:5432/cardstream

without --database-url: DATABASE_URL, else the local stack's embedded PostgreSQL in --state-dir (make demo's)"""
EVALUATE_EXAMPLE = """example:
  python -m client evaluate ../shared/data/sparkov_train_head_5k.csv --pr-curve pr.png
  python -m client evaluate ../shared/data/sparkov_labelled_27k.csv --measure-from 2020-01-01

loads the labelled file through the loader and the fraud model into a scratch database (on --database-url /
DATABASE_URL's server, else an embedded PostgreSQL) and measures the scores against is_fraud; the last line is
`evaluate: auc=A precision=P recall=R alert_rate=X`. exit status 2: the file cannot be evaluated (no labels)"""
REPLAY_EXAMPLE = """example:
  python -m client replay sample.csv --url http://127.0.0.1:8000 --token "$TOKEN" --concurrency 4 --rate 2000

exit status: 0 every row sent was accepted or rejected with a reason; 1 some rows were not delivered
(retries exhausted); 2 the file cannot be read; 3 the API refused the token"""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return args.run(args)


def _generate(args: argparse.Namespace) -> int:
    write_csv(args.out, args.rows, seed=args.seed, fraud_rate=args.fraud_rate, start=args.start)
    print(f"generate: wrote {args.rows} rows ({fraud_count(args.rows, args.fraud_rate)} fraud) to {args.out}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from tqdm import tqdm  # only the CLI shows a bar; in-process callers pass their own on_progress

    rejects = args.rejects or Path(f"{Path(args.file).stem}.rejects.jsonl")
    try:
        with tqdm(total=count_lines(args.file), unit="row", file=sys.stderr, disable=args.no_progress or None,
                  dynamic_ncols=True) as bar:
            result = replay(args.file, args.url, args.token, batch_size=args.batch_size,
                            concurrency=args.concurrency, rate=args.rate,
                            retry=RetryPolicy(max_attempts=args.max_attempts),
                            warn=lambda message: tqdm.write(f"warning: {message}", file=sys.stderr),
                            on_progress=bar.update)
    except (OSError, CsvFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AuthRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted: rows in flight may or may not have been accepted; replaying the file again is safe "
              "(the pipeline dedupes on trans_num)", file=sys.stderr)
        return 130
    if result.rejected or result.malformed or result.undelivered or rejects.exists():
        write_rejects(result, rejects)  # rewritten even when empty: a stale file would mislead
    print(format_report(result, rejects))
    return 0 if result.complete else 1


def _dashboard(args: argparse.Namespace) -> int:
    import psycopg2  # late: only this command talks to PostgreSQL

    from client.dashboard import render_dashboard

    try:
        path = render_dashboard(args.database_url or _local_database_url(args.state_dir), str(args.out))
    except psycopg2.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: cannot read the reporting views ({reason}); run `make demo` or `make migrate` first",
              file=sys.stderr)
        return 2
    print(f"dashboard: {path}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from chalicelib.settings import get_settings
    from client.evaluate import evaluate_file

    settings = get_settings()
    threshold = settings.fraud_alert_threshold if args.threshold is None else args.threshold
    try:
        return evaluate_file(args.file, database_url=args.database_url or settings.database_url, threshold=threshold,
                             rows_per_file=args.rows_per_file, pr_curve=args.pr_curve, measure_from=args.measure_from)
    except (OSError, CsvFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _local_database_url(state_dir: Path) -> str:
    from chalicelib.settings import get_settings
    from infra.local.database import resolve_database_url

    return resolve_database_url(state_dir, get_settings().database_url)[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client", description=DESCRIPTION, epilog=MAIN_EXAMPLE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    gen = _command(commands, "generate", "write a Sparkov-shaped CSV of synthetic transactions", GENERATE_EXAMPLE)
    gen.add_argument("--rows", type=_at_least(0), required=True, help="number of transactions")
    gen.add_argument("--seed", type=int, default=0, help="same seed, same file (default 0)")
    gen.add_argument("--fraud-rate", type=_fraction, default=DEFAULT_FRAUD_RATE,
                     help=f"share of fraud rows, in bursts per card (default {DEFAULT_FRAUD_RATE})")
    gen.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2019, 1, 1),
                     help="first day, YYYY-MM-DD (default 2019-01-01)")
    gen.add_argument("--out", type=Path, required=True, help="CSV file to write")
    gen.set_defaults(run=_generate)

    rep = _command(commands, "replay", "send a Sparkov CSV to POST /transactions", REPLAY_EXAMPLE)
    rep.add_argument("file", help="Sparkov CSV (index columns, BOM, CRLF, missing is_fraud are fine)")
    rep.add_argument("--url", required=True, help="API base URL, e.g. http://127.0.0.1:8000")
    rep.add_argument("--token", required=True, help="API bearer token")
    rep.add_argument("--batch-size", type=_at_least(1, MAX_BATCH_SIZE), default=MAX_BATCH_SIZE,
                     help=f"rows per request, at most {MAX_BATCH_SIZE} (default {MAX_BATCH_SIZE})")
    rep.add_argument("--concurrency", type=_at_least(1), default=4, help="requests in flight (default 4)")
    rep.add_argument("--rate", type=_positive, default=None, help="at most this many rows/s (default: no limit)")
    rep.add_argument("--max-attempts", type=_at_least(1), default=RetryPolicy.max_attempts,
                     help=f"tries per batch on 429/5xx/connection errors (default {RetryPolicy.max_attempts})")
    rep.add_argument("--rejects", type=Path, default=None,
                     help="JSON lines of rows not accepted, with reasons (default: ./FILE-STEM.rejects.jsonl)")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    rep.set_defaults(run=_replay)

    dash = _command(commands, "dashboard", "write the fraud dashboard as one self-contained HTML file",
                    DASHBOARD_EXAMPLE)
    dash.add_argument("--out", type=Path, required=True, help="HTML file to write")
    dash.add_argument("--database-url", default=None, help="PostgreSQL to read (its reporting views)")
    dash.add_argument("--state-dir", type=Path, default=Path(".local"),
                      help="the local stack's state folder, used without a URL (default .local)")
    dash.set_defaults(run=_dashboard)

    ev = _command(commands, "evaluate", "measure the fraud model on a labelled Sparkov CSV", EVALUATE_EXAMPLE)
    ev.add_argument("file", help="labelled Sparkov CSV (with is_fraud)")
    ev.add_argument("--database-url", default=None, help="a PostgreSQL server to make the scratch database on")
    ev.add_argument("--threshold", type=_fraction, default=None,
                    help="alert threshold (default: the FRAUD_ALERT_THRESHOLD setting, else the model's)")
    ev.add_argument("--rows-per-file", type=_at_least(1), default=500, help="rows per loaded file (default 500)")
    ev.add_argument("--pr-curve", default=None, help="write the precision-recall curve to this PNG")
    ev.add_argument("--measure-from", type=dt.datetime.fromisoformat, default=None,
                    help="measure only rows from this transaction time on (e.g. 2020-01-01: the out-of-time slice)")
    ev.set_defaults(run=_evaluate)
    return parser


def _command(commands, name: str, summary: str, example: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=summary, epilog=example,
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _at_least(low: int, high: int | None = None):
    def parse(text: str) -> int:
        value = int(text)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}" if high else f"must be >= {low}")
        return value
    parse.__name__ = "integer"
    return parse


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


if __name__ == "__main__":
    sys.exit(main())
