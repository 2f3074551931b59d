"""The replay's end: the report a person reads, the rejects file a person fixes rows from, and the result file
a program reads (`--result-file`: what `make demo` checks PostgreSQL against).

None holds a full card number: rejected records come masked from `client.outcome`, and
malformed or undelivered lines are described by line number and reason, never by content.
"""
from __future__ import annotations

import json
from pathlib import Path

from client.outcome import ReplayResult

SHOWN_LINES = 10  # malformed / undelivered lines listed in the report; the file has them all


def write_rejects(result: ReplayResult, path: str | Path) -> int:
    """Write one JSON line per row not accepted (rejected, malformed, undelivered), in line order."""
    entries = [{"line": r.line, "kind": "rejected", "trans_num": r.trans_num, "errors": r.errors, "record": r.record}
               for r in result.rejected]
    entries += [{"line": m.line, "kind": "malformed", "reason": m.reason} for m in result.malformed]
    entries += [{"line": u.line, "kind": "undelivered", "trans_num": u.trans_num, "reason": u.reason}
                for u in result.undelivered]
    entries.sort(key=lambda e: e["line"])
    with open(path, "w", encoding="utf-8") as fh:
        for entry in entries:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return len(entries)


def write_result(result: ReplayResult, path: str | Path) -> None:
    """The replay's outcome as one JSON object: the counts, the rejections by reason, and `accepted_at`
    (trans_num -> when the POST accepting it returned, seconds since the epoch). No record content."""
    body = {"sent": result.sent, "accepted": result.accepted, "rejected": len(result.rejected),
            "malformed": len(result.malformed), "undelivered": len(result.undelivered), "elapsed": result.elapsed,
            "rejected_by_reason": dict(result.rejected_by_reason().most_common()), "accepted_at": result.accepted_at}
    Path(path).write_text(json.dumps(body), encoding="utf-8")


def format_report(result: ReplayResult, rejects_path: str | Path | None = None) -> str:
    rate = result.sent / result.elapsed if result.elapsed else 0.0
    lines = [
        f"replay: sent {result.sent}, accepted {result.accepted}, rejected {len(result.rejected)}, "
        f"malformed {len(result.malformed)}, undelivered {len(result.undelivered)} "
        f"in {result.elapsed:.1f} s ({rate:,.0f} rows/s, {len(result.batches)} batches)",
    ]
    if result.dropped_columns:
        lines.append(f"dropped columns: {', '.join(result.dropped_columns)}")
    reasons = result.rejected_by_reason()
    if reasons:
        lines.append("rejected by reason:")
        lines += [f"  {count:>7}  {reason}" for reason, count in reasons.most_common()]
    lines += _listed("malformed lines", [(m.line, m.reason) for m in result.malformed])
    lines += _listed("undelivered rows", [(u.line, u.reason) for u in result.undelivered])
    if rejects_path is not None and (result.rejected or result.malformed or result.undelivered):
        lines.append(f"rows not accepted, with reasons: {rejects_path}")
    return "\n".join(lines)


def _listed(title: str, items: list[tuple[int, str]]) -> list[str]:
    if not items:
        return []
    out = [f"{title}:"] + [f"  line {line}: {reason}" for line, reason in items[:SHOWN_LINES]]
    if len(items) > SHOWN_LINES:
        out.append(f"  ... and {len(items) - SHOWN_LINES} more")
    return out
