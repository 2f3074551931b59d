"""Small hand-written Sparkov CSVs for the client tests, written the ways people's files come."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from chalicelib.dictionary.fields import FIELDS
from tests.support.factories import make_transaction


def sparkov_text(rows: list[list[str]], header: list[str], newline: str = "\n", final_newline: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    return text if final_newline else text[: -len(newline)]


def write_sparkov(path: Path, transactions: list[dict], *, index_columns: tuple[str, ...] = (),
                  fields: tuple[str, ...] = FIELDS, extra: dict[str, str] | None = None, newline: str = "\n",
                  bom: bool = False, final_newline: bool = True) -> Path:
    """A CSV of `transactions` with optional pandas index columns, extra columns, CRLF, BOM."""
    extra = extra or {}
    header = [*index_columns, *fields, *extra]
    rows = [[str(n)] * len(index_columns) + [t[f] for f in fields] + list(extra.values())
            for n, t in enumerate(transactions)]
    text = sparkov_text(rows, header, newline, final_newline)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def transactions(n: int, **overrides) -> list[dict]:
    return [make_transaction(**overrides) for _ in range(n)]
