"""The functions' metrics, summed from the EMF lines they print (chalicelib/platform/metrics.py), as CloudWatch would.

The local stack feeds it every line its handlers and `chalice local` print; `make up` shows `summary_line()`
every 10 s and `make demo` prints the totals of its run. Only lines whose dimensions are exactly `stage` are
summed: a breakdown line (by reason, by trigger) repeats a total, and adding it would count twice.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable

from chalicelib.platform.metrics import NAMESPACE

# The summary's fields: what each one sums. rejected: records the API refused and rows the loader refused;
# quarantined: poison records the batcher set aside and raw files the loader set aside.
SUMMARY = {
    "accepted": ("RecordsAccepted",),
    "landed": ("RecordsLanded",),
    "loaded": ("RowsInserted",),
    "rejected": ("RecordsRejected", "RowsRejected"),
    "quarantined": ("RecordsQuarantined", "FilesRejected"),
    "alerts": ("AlertsRaised",),
}


def emf_values(line: str) -> dict[str, float]:
    """{metric: sum of its values} of the EMF objects of our namespace with the stage dimension only in one line
    ({} for a log line, a breakdown, text). A line may hold more than one JSON object: a process writing from
    several threads can glue two lines together, and each object still counts."""
    if '"_aws"' not in line:
        return {}
    out: dict[str, float] = {}
    for blob in _objects(line):
        try:
            [directive] = blob["_aws"]["CloudWatchMetrics"]
        except (KeyError, TypeError, ValueError):
            continue
        if directive.get("Namespace") != NAMESPACE or directive.get("Dimensions") != [["stage"]]:
            continue
        for metric in directive.get("Metrics", []):
            value = blob.get(metric["Name"], 0)
            out[metric["Name"]] = out.get(metric["Name"], 0) + (sum(value) if isinstance(value, list) else value)
    return out


def _objects(line: str) -> Iterable[dict]:
    """The JSON objects written one after another in `line`; stops at the first text that is not one."""
    decoder, at = json.JSONDecoder(), line.find("{")
    while at >= 0:
        try:
            blob, end = decoder.raw_decode(line, at)
        except ValueError:
            return
        if isinstance(blob, dict):
            yield blob
        at = line.find("{", end)


class Tally:
    """Running sums of the metrics in the lines fed to it (a sum of zero is left out); thread-safe."""

    def __init__(self, exclude: dict[str, float] | None = None) -> None:
        """`exclude`: sums not to count, such as the stack's own warm-up request (infra/local/api.py)."""
        self._sums: Counter = Counter({name: -value for name, value in (exclude or {}).items()})
        self._lock = threading.Lock()

    def feed(self, line: str) -> None:
        values = emf_values(line)
        if values:
            with self._lock:
                self._sums.update(values)

    def feed_all(self, lines: Iterable[str]) -> Tally:
        for line in lines:
            self.feed(line)
        return self

    def totals(self) -> dict[str, float]:
        with self._lock:
            return {name: value for name, value in self._sums.items() if value}

    def summary(self) -> dict[str, int]:
        sums = self.totals()
        return {field: max(0, round(sum(sums.get(name, 0) for name in names))) for field, names in SUMMARY.items()}

    def summary_line(self) -> str:
        """`metrics: accepted=<n> landed=<n> loaded=<n> rejected=<n> quarantined=<n> alerts=<n>`"""
        return "metrics: " + " ".join(f"{field}={n}" for field, n in self.summary().items())


class TeeLines:
    """A text stream that writes through to `stream` and feeds each complete line to `tally`: the stack's
    sys.stdout, so the handlers it runs in its own threads are counted as they print."""

    def __init__(self, stream, tally: Tally):
        self._stream, self._tally = stream, tally
        self._partial = threading.local()

    def write(self, text: str) -> int:
        pending = getattr(self._partial, "text", "") + text
        *lines, self._partial.text = pending.split("\n")
        for line in lines:
            self._tally.feed(line)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str):  # isatty, fileno, encoding, reconfigure ...: the stream's own
        return getattr(self._stream, name)


def copy_lines(source, sink) -> threading.Thread:
    """A daemon thread copying a child's output (a binary pipe) to `sink` line by line, until it closes."""

    def run() -> None:
        with source:
            for raw in iter(source.readline, b""):
                sink.write(raw.decode("utf-8", "replace"))
                sink.flush()

    thread = threading.Thread(target=run, name="child-output", daemon=True)
    thread.start()
    return thread
