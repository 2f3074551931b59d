"""The app's event sources, read from the decorators (as `chalice deploy` reads them), and how to call one.

The pump takes batch size, batching window, stream, bucket, prefix and schedule from here, so the
local stack honours exactly what a stage deploys. Handlers are the decorated functions in `app.py`.
"""
from __future__ import annotations

import importlib
import random
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import KinesisEventConfig, Rate, S3EventConfig, ScheduledEventConfig

from chalicelib.platform.logs import log_event
from infra.local.events import LambdaContext

Handler = Callable[[dict, Any], Any]
_RATE_RE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class KinesisSource:
    name: str
    handler: Handler
    stream: str
    batch_size: int
    window_seconds: float
    starting_position: str


@dataclass(frozen=True)
class S3Source:
    name: str
    handler: Handler
    bucket: str
    prefix: str
    suffix: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    name: str
    handler: Handler
    interval_seconds: float


@dataclass(frozen=True)
class EventSources:
    kinesis: list[KinesisSource] = field(default_factory=list)
    s3: list[S3Source] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


def read_event_sources(app) -> EventSources:
    """Every Kinesis, S3 and schedule source the app declares, with its handler."""
    found = EventSources()
    for cfg in app.event_sources:
        if isinstance(cfg, KinesisEventConfig):
            found.kinesis.append(KinesisSource(cfg.name, _handler(cfg.handler_string), cfg.stream, cfg.batch_size,
                                               float(cfg.maximum_batching_window_in_seconds or 0),
                                               cfg.starting_position))
        elif isinstance(cfg, S3EventConfig):
            found.s3.append(S3Source(cfg.name, _handler(cfg.handler_string), cfg.bucket, cfg.prefix or "",
                                     cfg.suffix or "", tuple(cfg.events)))
        elif isinstance(cfg, ScheduledEventConfig):
            found.schedules.append(Schedule(cfg.name, _handler(cfg.handler_string),
                                            schedule_seconds(cfg.schedule_expression)))
    return found


def schedule_seconds(expression) -> float:
    """Seconds between runs of a `Rate(...)` or "rate(N unit)" schedule; cron is not emulated."""
    if isinstance(expression, Rate):
        expression = expression.to_string()
    match = _RATE_RE.fullmatch(str(expression).strip())
    if not match:
        raise ValueError(f"the local stack emulates rate(...) schedules only, not {expression!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]


def invoke(name: str, handler: Handler, event: dict, attempt: int = 1) -> bool:
    """Call a handler as Lambda does; True on success. A failure is logged (first one with traceback)."""
    try:
        handler(event, LambdaContext(f"cardstream-local-{name}"))
        return True
    except Exception as exc:  # a handler failure of any kind is Lambda's "function error": retry it
        log_event("pump_handler_error", handler=name, attempt=attempt, error=f"{type(exc).__name__}: {exc}")
        if attempt == 1:
            traceback.print_exc()
        return False


def backoff_seconds(attempt: int, base: float = 0.5, cap: float = 20.0) -> float:
    """Exponential backoff with jitter (half fixed, so the wait really grows with each attempt)."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _handler(handler_string: str) -> Handler:
    module, _, attr = handler_string.rpartition(".")
    return getattr(importlib.import_module(module), attr)
