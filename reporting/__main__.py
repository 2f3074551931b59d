"""`python -m reporting`: write the fraud dashboard of a cardstream database as one self-contained HTML file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXAMPLE = """example:
  python -m reporting --database-url postgresql://postgres@127.0.0.1:5432/cardstream --out dashboard.html

`make dashboard` finds the local stack's database (DATABASE_URL, else make demo's embedded PostgreSQL in
.local/) and passes it here. exit status 2: the reporting views cannot be read (run make demo or make migrate)"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reporting", description=__doc__.split(": ", 1)[1],
                                     epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="the PostgreSQL to read (its reporting views)")
    parser.add_argument("--out", type=Path, required=True, help="HTML file to write")
    args = parser.parse_args(argv)

    import psycopg2  # late: --help needs no database driver

    from reporting.dashboard import render_dashboard

    try:
        path = render_dashboard(args.database_url, str(args.out))
    except psycopg2.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: cannot read the reporting views ({reason}); run `make demo` or `make migrate` first",
              file=sys.stderr)
        return 2
    print(f"dashboard: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
