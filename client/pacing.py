"""When to send: the retry backoff (exponential, full jitter) and the records-per-second pacer."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds before retry number `retry` (1-based): full jitter, at least the server's Retry-After."""
        jittered = rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (retry - 1)))
        return max(jittered, min(retry_after or 0.0, self.max_delay))


class Pacer:
    """Holds the submission of records to `rate` per second on average (None: no limit)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate is not None and rate <= 0:
            raise ValueError("rate must be > 0 records/s")
        self._rate, self._clock, self._sleep = rate, clock, sleep
        self._start: float | None = None
        self._released = 0

    def wait(self, records: int) -> None:
        if self._rate is None:
            return
        if self._start is None:
            self._start = self._clock()
        due = self._start + self._released / self._rate
        if (pause := due - self._clock()) > 0:
            self._sleep(pause)
        self._released += records
