"""The pipeline's CloudWatch metrics: embedded metric format (EMF) lines on stdout, written by Powertools for AWS
Lambda's Metrics. Namespace `cardstream`, one dimension: `stage`. A breakdown (rejections by reason class, files
by trigger) is a second line with one more dimension, so a dashboard or an alarm on the totals never double counts.

`METRICS` is the one table of names and units: the code, the template's dashboard and alarms, and the local
stack's summary (infra/local/metrics_tally.py) all name metrics from it, and a test holds them to it. The
metrics of one invocation are flushed at its end (chalicelib/platform/observe.py), as one line.
"""
from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import single_metric

from chalicelib.platform.settings import get_settings

NAMESPACE = "cardstream"
COUNT, BYTES, SECONDS, MILLISECONDS, NONE = "Count", "Bytes", "Seconds", "Milliseconds", "None"

METRICS: dict[str, str] = {
    # API (POST /transactions)
    "RecordsAccepted": COUNT,  # on the stream
    "RecordsRejected": COUNT,  # refused by validation; by `reason` class too
    "RequestsRejected": COUNT,  # whole bodies refused (400/413), by `reason` too
    "RequestsUnavailable": COUNT,  # answered 503: card key, stream or database unavailable
    "KinesisRecordsRetried": COUNT,  # PutRecords entries sent again
    "KinesisRecordsFailed": COUNT,  # entries still failing after every attempt (the client is told to resend)
    "ApiLatency": MILLISECONDS,  # the handler's time, per request
    # Batcher (Kinesis -> S3)
    "RecordsLanded": COUNT,  # rows written into raw files
    "FilesWritten": COUNT,  # raw files; by `trigger` (size | time | final) too
    "RecordsQuarantined": COUNT,  # poison records written to the quarantine prefix
    "BytesWritten": BYTES,  # raw file bytes
    # Loader (S3 -> PostgreSQL)
    "FilesLoaded": COUNT,
    "FilesSkipped": COUNT,  # already in the ledger (a repeated event)
    "FilesRejected": COUNT,  # unreadable: marked rejected and copied to quarantine/files/
    "RowsInserted": COUNT,
    "RowsDuplicate": COUNT,
    "RowsRejected": COUNT,  # rows with a reason, in rejected_row
    "LoadSeconds": SECONDS,  # per file, its whole transaction
    "FreshnessSeconds": SECONDS,  # per loaded file: commit time minus its newest row's arrival on the stream
    # Fraud scoring (inside the load)
    "RowsScored": COUNT,
    "AlertsRaised": COUNT,
    # Sweep
    "FilesRecovered": COUNT,  # loaded by the sweep: their S3 event was lost or late
    "SweepFailures": COUNT,  # missing files the sweep could not load (retried by the next sweep)
}

_LOCK = threading.Lock()  # the local stack runs handlers in two threads; Powertools' metric set is shared
_state: dict = {"metrics": None, "stage": None}


def _metrics() -> Metrics:
    stage = get_settings().stage
    metrics = _state["metrics"]
    if metrics is None:
        # service="": no `service` dimension, even when POWERTOOLS_SERVICE_NAME is set
        metrics = _state["metrics"] = Metrics(namespace=NAMESPACE, service="")
    if _state["stage"] != stage:
        metrics.set_default_dimensions(stage=stage)
        _state["stage"] = stage
    return metrics


def add(name: str, value: float = 1) -> None:
    """One value of a metric, for this invocation's line (a count adds up; seconds make a distribution)."""
    unit = METRICS[name]  # a KeyError here is a misspelt metric: the table is the list
    with _LOCK:
        _metrics().add_metric(name=name, unit=unit, value=value)


def add_by(name: str, dimension: str, values: Mapping[str, float]) -> None:
    """A breakdown of a metric: one line per value of `dimension` (e.g. reason), with the stage, now."""
    unit, stage = METRICS[name], get_settings().stage
    for key, value in values.items():
        if value:
            with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE,
                               default_dimensions={"stage": stage}) as metric:
                metric.add_dimension(name=dimension, value=key)


def flush() -> None:
    """Write the invocation's metrics as one EMF line (nothing when there are none)."""
    with _LOCK:
        metrics = _metrics()
        if metrics.metric_set:
            # One write with its newline: print() writes the newline apart, and in a process serving requests
            # on threads (chalice local) another thread's line can land between the two, gluing both lines.
            sys.stdout.write(json.dumps(metrics.serialize_metric_set(), separators=(",", ":")) + "\n")
            metrics.clear_metrics()


def clear() -> None:
    """Forget the metrics not flushed yet (runtime.reset: a test's leftovers must not reach the next test)."""
    with _LOCK:
        _metrics().clear_metrics()
