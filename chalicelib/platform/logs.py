"""Structured JSON log lines on stdout (CloudWatch in Lambda), written by Powertools for AWS Lambda's Logger.

`log_event(event, **fields)` is the one entry point the code calls. A line keeps its event name first and its
fields, and gains a level, a timestamp, the service and, inside a handler, the request's or the invocation's
correlation id (chalicelib/platform/observe.py sets it). Lines below the stage's LOG_LEVEL are not written.
A field whose value is None is left out of the line. Callers pass only counts, names and ids: never a PAN, a
token or a payload.
"""
from __future__ import annotations

import logging
import sys

from aws_lambda_powertools import Logger

from chalicelib.platform.settings import get_settings

# Powertools names its Python logger after the service; "cardstream" is Chalice's own `app.log`, with its handler.
SERVICE = "cardstream-pipeline"
# Every other event is INFO: what happened to a request, a batch, a file.
_LEVELS = {
    "authorizer_error": logging.ERROR,
    "ingest_unavailable": logging.ERROR,
    "stream_put_failed": logging.ERROR,
    "sweep_load_failed": logging.ERROR,
    "pump_handler_error": logging.ERROR,
    "pump_s3_event_given_up": logging.ERROR,
    "db_reconnect": logging.WARNING,
    "db_retry": logging.WARNING,
    "raw_file_rejected": logging.WARNING,
    "pump_kinesis_read_error": logging.WARNING,
    "pump_s3_receive_error": logging.WARNING,
    "pump_s3_event_unreadable": logging.WARNING,
}


_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class _Stdout:
    """sys.stdout looked up per write, so a replaced stream (pytest capture, a local stack's pipe) is honoured."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


_state: dict = {"logger": None, "level": None}


def logger() -> Logger:
    """The process's Logger at the stage's LOG_LEVEL (built on first use; follows a changed setting)."""
    level = get_settings().log_level
    log = _state["logger"]
    if log is None:
        log = _state["logger"] = Logger(service=SERVICE, level=level, stream=_Stdout(), utc=True, use_rfc3339=True,
                                        log_record_order=["event", "level", "timestamp", "location"])
        _state["level"] = level
    elif _state["level"] != level:
        log.setLevel(level)
        _state["level"] = level
    return log


def log_event(event: str, **fields) -> None:
    """One JSON line: {"event": ..., "level": ..., ..., **fields}, if the event's level is enabled."""
    level = _LEVELS.get(event, logging.INFO)
    log = logger()
    if not _RESERVED.isdisjoint(fields):  # logging refuses extras named like a LogRecord attribute ("name", ...)
        fields = {f"{key}_" if key in _RESERVED else key: value for key, value in fields.items()}
    if level >= log.log_level:
        # stacklevel 3: the line's location is log_event's caller, not log_event or Powertools
        _WRITE[level](log, event, extra={"event": event, **fields}, stacklevel=3)


_WRITE = {logging.DEBUG: Logger.debug, logging.INFO: Logger.info, logging.WARNING: Logger.warning,
          logging.ERROR: Logger.error}
