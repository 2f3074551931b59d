"""New raw-data/ objects -> the S3 handler, and the recovery sweep on its schedule.

The pump lists the prefix (moto keeps no event history to replay) and remembers each (key, etag) it has
seen, so an overwritten object with new content is a new event, as in S3. A failed event is retried with
backoff, then given up as Lambda's async invoke does; the sweep exists to pick such files up. Events and
sweeps run one at a time in this thread, like separate Lambda invocations would, but never concurrently.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from chalicelib.logs import log_event
from infra.local.events import s3_event, scheduled_event
from infra.local.sources import S3Source, Schedule, backoff_seconds, invoke

POLL_SECONDS = 0.2
MAX_ATTEMPTS = 4  # Lambda's async invoke: the first call and up to two retries; one more for local hiccups


@dataclass
class _Pending:
    key: str
    etag: str
    size: int
    attempt: int = 0
    due_at: float = 0.0


class S3Pump:
    def __init__(self, s3, source: S3Source, schedules: list[Schedule]):
        self._s3 = s3
        self._source = source
        self._schedules = {s.name: (s, time.monotonic() + s.interval_seconds) for s in schedules}
        self._seen: set[tuple[str, str]] = set()
        self._pending: list[_Pending] = []
        self._thread = threading.Thread(target=self._run, name="s3-pump", daemon=True)
        self._draining = threading.Event()
        self.drained = threading.Event()
        self.files_delivered = 0
        self.files_given_up: list[str] = []
        self.final_sweep_ok = False

    def start(self) -> None:
        self._thread.start()

    def drain(self, timeout: float | None = None) -> bool:
        """Deliver every object that has landed, run the sweeps once more, then stop. True when done."""
        self._draining.set()
        return self.drained.wait(timeout)

    def _run(self) -> None:
        while True:
            draining = self._draining.is_set()
            self._discover()
            worked = self._deliver_due()
            self._run_due_schedules(force=False)
            if draining and not self._pending:
                break
            if not worked:
                time.sleep(POLL_SECONDS)
        self.final_sweep_ok = self._run_due_schedules(force=True)  # the safety net for failed events
        log_event("pump_s3_drained", files=self.files_delivered, given_up=len(self.files_given_up))
        self.drained.set()

    def _discover(self) -> None:
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._source.bucket,
                                                                       Prefix=self._source.prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    self._note(obj)
        except Exception as exc:  # the emulator hiccupped: list again next round
            log_event("pump_s3_list_error", error=f"{type(exc).__name__}: {exc}")

    def _note(self, obj: dict) -> None:
        key, etag = obj["Key"], obj["ETag"]
        if not key.endswith(self._source.suffix) or (key, etag) in self._seen:
            return
        self._seen.add((key, etag))
        self._pending.append(_Pending(key, etag, obj["Size"]))

    def _deliver_due(self) -> bool:
        now, worked = time.monotonic(), False
        for item in [p for p in self._pending if p.due_at <= now]:
            worked = True
            item.attempt += 1
            event = s3_event(self._source.bucket, item.key, item.size, item.etag)
            if invoke(self._source.name, self._source.handler, event, item.attempt):
                self.files_delivered += 1
                self._pending.remove(item)
            elif item.attempt >= MAX_ATTEMPTS:
                log_event("pump_s3_event_given_up", key=item.key, attempts=item.attempt)
                self.files_given_up.append(item.key)
                self._pending.remove(item)
            else:
                item.due_at = time.monotonic() + backoff_seconds(item.attempt, base=1.0)
        return worked

    def _run_due_schedules(self, force: bool) -> bool:
        """Run the schedules that are due (all of them when forced); True when none failed."""
        now, ok = time.monotonic(), True
        for name, (schedule, due_at) in list(self._schedules.items()):
            if force or now >= due_at:
                ok &= invoke(name, schedule.handler, scheduled_event(f"cardstream-local-{name}"))
                self._schedules[name] = (schedule, time.monotonic() + schedule.interval_seconds)
        return ok
