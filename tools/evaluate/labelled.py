"""A labelled Sparkov CSV made ready for evaluation: validated as the API would, tokenized, in time order.

The card number is replaced in-process by an HMAC token under a random key (chalicelib/ingest/cards.py), exactly as
the API does, so no PAN reaches the database. Rows the API would refuse are counted with their first reason.
"""
from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError

from chalicelib.ingest.cards import CardTokenizer
from chalicelib.stream.csvfile import encode_csv
from client.csvsource import Malformed, SparkovCsv


class NotEvaluable(ValueError):
    """The file cannot be evaluated (no labels, no valid rows, no fraud or no legitimate rows)."""


@dataclass
class LabelledRows:
    records: list[dict[str, str]]  # tokenized canonical records, in transaction time order
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def frauds(self) -> int:
        return sum(1 for r in self.records if r["is_fraud"] == "1")

    @property
    def labelled(self) -> int:
        return sum(1 for r in self.records if r["is_fraud"] in ("0", "1"))

    def files(self, rows_per_file: int) -> Iterator[bytes]:
        """The records as raw CSV files (the loader's format) of at most `rows_per_file` rows, in order."""
        for start in range(0, len(self.records), rows_per_file):
            yield encode_csv(self.records[start:start + rows_per_file])


def read_labelled(path: str | Path) -> LabelledRows:
    """The file's valid rows, tokenized and sorted by (transaction time, trans_num). Raises NotEvaluable."""
    tokenizer = CardTokenizer(secrets.token_bytes(32))
    with SparkovCsv(path) as source:
        if "is_fraud" not in source.columns:
            raise NotEvaluable(f"{path}: no is_fraud column, so there is nothing to measure the alerts against "
                               "(an unlabelled file can be loaded, not evaluated)")
        out = LabelledRows([])
        for row in source.rows():
            if isinstance(row, Malformed):
                out.rejected += 1
                out.reasons[row.reason] += 1
                continue
            try:
                record = tokenizer.tokenize(_validate(row.record))
            except ValidationError as exc:
                out.rejected += 1
                out.reasons[_first_reason(exc)] += 1
                continue
            out.records.append(record)
    out.records.sort(key=lambda r: (r["trans_date_trans_time"], r["trans_num"]))
    _check_evaluable(path, out)
    return out


def _validate(record: dict[str, str]) -> dict[str, str]:
    from chalicelib.dictionary.validate import validate_transaction

    return validate_transaction(record)


def _first_reason(exc: ValidationError) -> str:
    messages = exc.messages if isinstance(exc.messages, dict) else {"row": exc.messages}
    name = sorted(messages)[0]
    return f"{name}: {'; '.join(str(m) for m in messages[name])}"


def _check_evaluable(path: str | Path, rows: LabelledRows) -> None:
    if not rows.records:
        top = "; ".join(f"{reason} ({n})" for reason, n in rows.reasons.most_common(3))
        raise NotEvaluable(f"{path}: none of its {rows.rejected} rows passes the API's rules ({top}), "
                           "so none can be loaded or scored")
    frauds = rows.frauds
    if not frauds or frauds == rows.labelled:
        raise NotEvaluable(f"{path}: {frauds} fraud(s) among {rows.labelled} labelled valid rows; "
                           "measuring alerts needs both frauds and legitimate transactions")
