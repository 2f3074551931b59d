"""Reading a Sparkov CSV as people actually have it, into transactions of strings as read.

Handles: one or two leading pandas index columns ('' or 'Unnamed: 0'); with or without `is_fraud`;
quoted fields with commas, quotes or line breaks; CRLF; a UTF-8 byte-order mark; no final newline.
Columns outside the data dictionary are dropped (the caller warns once, from `dropped`). A row
with the wrong number of fields, or bytes that are not UTF-8, becomes a `Malformed` entry with its
line number. Field values are not judged here: that is the API's job.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chalicelib.dictionary.fields import FIELDS, OPTIONAL_FIELDS

INDEX_COLUMN_RE = re.compile(r"(Unnamed: \d+)?")  # what pandas writes for an unnamed index
_REPLACEMENT = "\ufffd"  # what errors="replace" leaves where the bytes were not UTF-8


class CsvFormatError(ValueError):
    """The file cannot be read as transactions at all (no header, columns missing)."""


@dataclass(frozen=True)
class Row:
    line: int  # the physical line the row starts on, 1-based, header = line 1
    record: dict[str, str]


@dataclass(frozen=True)
class Malformed:
    line: int
    reason: str  # never the row's content: it may hold a card number


class SparkovCsv:
    """One CSV file: `columns` kept, `dropped` (extra columns, not index ones) and `rows()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fh = open(self.path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
        self._reader = csv.reader(self._fh)
        header = next(self._reader, None)
        if not header:
            self._fh.close()
            raise CsvFormatError(f"{self.path}: no header line")
        self.width = len(header)
        self._keep, self.dropped = _plan_columns([name.strip() for name in header])
        self.columns = tuple(name for _, name in self._keep)

    def rows(self) -> Iterator[Row | Malformed]:
        """Every data row in file order, as a `Row` of the kept columns or a `Malformed` line."""
        reader, keep, width = self._reader, self._keep, self.width
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Malformed(line, f"unreadable CSV: {exc}")
                continue
            if not values:  # a blank line holds no transaction
                continue
            if len(values) != width:
                yield Malformed(line, f"has {len(values)} fields, the header has {width}")
            elif any(_REPLACEMENT in v for v in values):
                yield Malformed(line, "is not valid UTF-8")
            else:
                yield Row(line, {name: values[i] for i, name in keep})

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> SparkovCsv:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def count_lines(path: str | Path) -> int:
    """Physical data lines in the file (a quick estimate of rows for a progress bar)."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count, last = count + chunk.count(b"\n"), chunk[-1:]
    return max(0, count + (last != b"\n") - 1)


def _plan_columns(header: list[str]) -> tuple[tuple[tuple[int, str], ...], tuple[str, ...]]:
    leading = 0
    while leading < len(header) and INDEX_COLUMN_RE.fullmatch(header[leading]):
        leading += 1
    keep, dropped, seen = [], [], set()
    for i, name in enumerate(header[leading:], start=leading):
        if name not in FIELDS:
            dropped.append(name or f"(unnamed column {i + 1})")
        elif name in seen:
            raise CsvFormatError(f"column {name!r} appears twice in the header")
        else:
            seen.add(name)
            keep.append((i, name))
    missing = [f for f in FIELDS if f not in seen and f not in OPTIONAL_FIELDS]
    if missing:
        raise CsvFormatError(f"the header lacks required columns: {', '.join(missing)}")
    return tuple(keep), tuple(dropped)
