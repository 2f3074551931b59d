"""`python -m tools.evaluate FILE.csv`: measure the fraud model on a labelled Sparkov CSV, through the real loader."""
from __future__ import annotations

import argparse
import datetime as dt
import sys

EXAMPLE = """example:
  python -m tools.evaluate ../shared/data/sparkov_train_head_5k.csv \
      --database-url postgresql://postgres@127.0.0.1:5432/postgres --pr-curve pr.png
  python -m tools.evaluate ../shared/data/sparkov_labelled_27k.csv --measure-from 2020-01-01 \
      --database-url postgresql://postgres@127.0.0.1:5432/postgres
  make evaluate FILE=../shared/data/sparkov_train_head_5k.csv    (an embedded PostgreSQL when no server is given)

loads the labelled file through the loader and the fraud model into a scratch database made and dropped on the
--database-url (or DATABASE_URL) server, and measures the scores against is_fraud; the last line is
`evaluate: auc=A precision=P recall=R alert_rate=X`. exit status 2: the file cannot be evaluated (no labels,
unreadable) or no server was given"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluate", description=__doc__.split(": ", 1)[1],
                                     epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="labelled Sparkov CSV (with is_fraud)")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server to make the scratch database on (default: DATABASE_URL)")
    parser.add_argument("--threshold", type=_fraction, default=None,
                        help="alert threshold (default: the FRAUD_ALERT_THRESHOLD setting, else the model's own)")
    parser.add_argument("--rows-per-file", type=_at_least_one, default=500, help="rows per loaded file (default 500)")
    parser.add_argument("--pr-curve", default=None, help="write the precision-recall curve to this PNG")
    parser.add_argument("--measure-from", type=dt.datetime.fromisoformat, default=None,
                        help="measure only rows from this transaction time on (e.g. 2020-01-01: the out-of-time slice)")
    args = parser.parse_args(argv)

    from chalicelib.platform.settings import get_settings
    from client.csvsource import CsvFormatError
    from tools.evaluate.evaluation import evaluate_file

    settings = get_settings()
    server = args.database_url or settings.database_url
    if not server:
        print("error: no PostgreSQL server: pass --database-url or set DATABASE_URL (`make evaluate FILE=...` "
              "starts an embedded one)", file=sys.stderr)
        return 2
    threshold = settings.fraud_alert_threshold if args.threshold is None else args.threshold
    try:
        return evaluate_file(args.file, database_url=server, threshold=threshold,
                             rows_per_file=args.rows_per_file, pr_curve=args.pr_curve,
                             measure_from=args.measure_from)
    except (OSError, CsvFormatError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


if __name__ == "__main__":
    sys.exit(main())
