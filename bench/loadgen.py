"""The load test's HTTP driver: N client threads POSTing batches to one API for a bounded time.

Standard library only (http.client, keep-alive, one connection per thread). Loopback only: the URL must
name 127.0.0.1 or localhost. It stops by itself when the time is up or the rows run out. A row counts as
accepted only when a 202/503 answer says so (not rejected, not in `not_accepted`); nothing is resent,
so an accepted row is exactly what must reach PostgreSQL.
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class LoadResult:
    requests: int = 0
    rows_sent: int = 0
    accepted: list[str] = field(default_factory=list)  # trans_nums
    rejected: int = 0
    statuses: Counter = field(default_factory=Counter)  # HTTP status (or "connection error") -> count
    latencies_ms: list[float] = field(default_factory=list)
    elapsed: float = 0.0


class _Batches:
    """Thread-safe batches of rows from one iterator; None once it is exhausted."""

    def __init__(self, rows: Iterator[dict], size: int):
        self._rows, self._size, self._lock = rows, size, threading.Lock()

    def next(self) -> list[dict] | None:
        with self._lock:
            batch = [row for _, row in zip(range(self._size), self._rows, strict=False)]
        return batch or None


def drive(url: str, token: str, rows: Iterator[dict], clients: int, seconds: float, batch_size: int) -> LoadResult:
    """POST batches from `rows` with `clients` threads for `seconds`; what the API answered."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"the load test drives loopback addresses only, not {parts.hostname!r}")
    result, lock = LoadResult(), threading.Lock()
    batches, deadline = _Batches(rows, batch_size), time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.monotonic() < deadline and (batch := batches.next()) is not None:
            body = json.dumps({"transactions": batch}, separators=(",", ":")).encode()
            started = time.perf_counter()
            try:
                conn.request("POST", "/transactions", body=body, headers=headers)
                response = conn.getresponse()
                status, answer = response.status, response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                status, answer = "connection error", b""
            latency = (time.perf_counter() - started) * 1000
            with lock:
                _record(result, batch, status, answer, latency)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, name=f"load-{n}", daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - started
    return result


def _record(result: LoadResult, batch: list[dict], status, answer: bytes, latency_ms: float) -> None:
    result.requests += 1
    result.rows_sent += len(batch)
    result.statuses[status] += 1
    result.latencies_ms.append(latency_ms)
    if status not in (202, 503):
        return
    body = json.loads(answer)
    rejected = {r["index"] for r in body.get("rejected", [])}
    not_accepted = set(body.get("not_accepted", []))
    result.rejected += len(rejected)
    result.accepted += [row["trans_num"] for i, row in enumerate(batch)
                        if i not in rejected and row["trans_num"] not in not_accepted]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, round(pct / 100 * len(ordered)))) - 1]
