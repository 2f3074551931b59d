"""What became of each row of a replay, and when: the result object `make demo` reads.

No full card number is kept here: a rejected row's `cc_num` is masked to its last four digits the
moment the rejection is recorded, so nothing printed or written from a result can leak a PAN.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from client.csvsource import Malformed, Row

MASK = "*"


def mask_pan(value: str) -> str:
    """Everything but the last four characters masked ("************1234"); short values fully."""
    keep = 4 if len(value) > 4 else 0
    return MASK * (len(value) - keep) + value[len(value) - keep:]


@dataclass(frozen=True)
class Rejection:
    line: int
    trans_num: str | None
    errors: dict[str, list[str]]  # field -> the API's rule messages
    record: dict[str, str]  # as sent, cc_num masked


@dataclass(frozen=True)
class Undelivered:
    line: int
    trans_num: str | None
    reason: str


def new_rejection(row: Row, errors: Any) -> Rejection:
    if not isinstance(errors, dict):
        errors = {"_schema": ["rejected without a reason"]}
    record = dict(row.record)
    if "cc_num" in record:
        record["cc_num"] = mask_pan(record["cc_num"])
    return Rejection(row.line, row.record.get("trans_num"), errors, record)


@dataclass
class BatchOutcome:
    """One batch: when it was first sent, when its last answer came back, and each row's fate."""

    number: int  # batches are numbered in file order from 0
    rows: int
    first_sent_at: float  # time.time()
    trans_nums: tuple[str, ...] = ()  # every row's, in file order, as the API sees them (stripped)
    returned_at: float | None = None  # time.time() when the last POST for this batch returned
    attempts: int = 0
    accepted_at: dict[str, float] = field(default_factory=dict)  # trans_num -> time.time() of its 2xx
    rejected: list[Rejection] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)
    accepted: int = 0

    def accept(self, row: Row) -> None:
        self.accepted += 1
        self.accepted_at[row.record.get("trans_num", "").strip()] = self.returned_at or 0.0

    def give_up(self, rows: list[Row], reason: str) -> None:
        self.undelivered += [Undelivered(r.line, r.record.get("trans_num"), reason) for r in rows]


@dataclass
class ReplayResult:
    dropped_columns: tuple[str, ...] = ()
    sent: int = 0  # rows posted at least once (malformed rows are never sent)
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)
    accepted_at: dict[str, float] = field(default_factory=dict)  # trans_num -> when the POST accepting it returned
    batches: list[BatchOutcome] = field(default_factory=list)
    elapsed: float = 0.0  # seconds, wall time of the whole replay

    def add(self, outcome: BatchOutcome) -> None:
        self.accepted += outcome.accepted
        self.rejected += outcome.rejected
        self.undelivered += outcome.undelivered
        self.accepted_at.update(outcome.accepted_at)
        self.batches.append(outcome)

    @property
    def sent_trans_nums(self) -> list[str]:
        """The trans_num of every row sent, in file order."""
        return [t for batch in sorted(self.batches, key=lambda b: b.number) for t in batch.trans_nums]

    @property
    def complete(self) -> bool:
        """Every row sent got the API's verdict (accepted or rejected); none was left undelivered."""
        return not self.undelivered

    def rejected_by_reason(self) -> Counter[str]:
        """Counts of "field: rule" over all rejected rows (a row counts once per broken rule)."""
        return Counter(f"{name}: {msg}" for r in self.rejected for name, msgs in r.errors.items()
                       for msg in (msgs if isinstance(msgs, list) else [msgs]))
