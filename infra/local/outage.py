"""A pump that cannot read the emulator says so: one line once its reads have failed for OUTAGE_SECONDS in a row.

A failed read is retried on the next pass, since moto hiccups under load; but a stream or queue that stays
unreadable means nothing accepted will ever load, and `make up` / `make demo` must say why instead of waiting.
"""
from __future__ import annotations

import time
from collections.abc import Callable

OUTAGE_SECONDS = 10.0
ERROR_PREFIX = "error: "  # the stack's line for an outage; `make demo` watches the stack's output for it


class ReadWatch:
    def __init__(self, what: str, limit_seconds: float = OUTAGE_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._what, self._limit, self._clock = what, limit_seconds, clock
        self._failing_since: float | None = None
        self._cause = ""

    def failed(self, exc: BaseException) -> None:
        if self._failing_since is None:
            self._failing_since = self._clock()
        self._cause = f"{type(exc).__name__}: {exc}"

    def succeeded(self) -> None:
        self._failing_since = None

    @property
    def outage(self) -> str | None:
        """What cannot be read and why, once reads have failed for the limit; else None."""
        if self._failing_since is None or self._clock() - self._failing_since < self._limit:
            return None
        return f"{self._what} has failed for {self._limit:.0f} s: {self._cause}"
