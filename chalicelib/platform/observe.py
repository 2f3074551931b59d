"""Every Lambda invocation, observed: app.py registers `invocation` as Chalice middleware for all handlers.

- Logs: the invocation's correlation id on every line (API Gateway's request id for a request, the Lambda
  request id for an event), per thread, because the local stack runs two handlers at once.
- Traces: with TRACING on (the stage's `xray`), Powertools' Tracer patches botocore and psycopg2, so every
  S3, Kinesis, Secrets Manager and PostgreSQL call is an X-Ray subsegment of a `## <handler>` subsegment.
  The X-Ray SDK is imported only then: without TRACING it is never loaded.
- Metrics: what the invocation added (chalicelib/platform/metrics.py) is flushed as one EMF line, even when it failed.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from chalice.app import Request

from chalicelib.platform import metrics
from chalicelib.platform.logs import SERVICE, logger
from chalicelib.platform.settings import get_settings

PATCHED_MODULES = ("botocore", "psycopg2")


@lru_cache(maxsize=1)
def tracer():
    """Powertools' Tracer when the stage traces, else None (and the X-Ray SDK stays unimported)."""
    if not get_settings().tracing:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=list(PATCHED_MODULES))


def invocation(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware (`app.register_middleware(invocation, "all")`): run the handler observed."""
    name = getattr(getattr(event, "context", None), "function_name", None) or "handler"
    with observed(correlation_id(event), name):
        return get_response(event)


def observed_authorizer(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The same for the token authorizer, which Chalice's middleware does not reach (under @app.authorizer)."""

    @functools.wraps(func)
    def wrapper(auth_request: Any) -> Any:
        with observed(None, func.__name__):
            return func(auth_request)

    return wrapper


@contextlib.contextmanager
def observed(correlation: str | None, name: str) -> Iterator[None]:
    """Log lines carry `correlation`; with tracing, a `## name` subsegment; the metrics flushed at the end."""
    log = logger()
    log.thread_safe_append_keys(correlation_id=correlation)
    try:
        with _subsegment(name):
            yield
    finally:
        metrics.flush()
        log.thread_safe_remove_keys(["correlation_id"])


def correlation_id(event: Any) -> str | None:
    """API Gateway's request id for a request; the Lambda request id for any other event."""
    if isinstance(event, Request):
        return (event.context or {}).get("requestId")
    return getattr(getattr(event, "context", None), "aws_request_id", None)


def _subsegment(name: str):
    traced = tracer()
    if traced is None:
        return contextlib.nullcontext()
    return traced.provider.in_subsegment(name=f"## {name}")


def request_answered(status: int, latency_ms: float) -> None:
    """An API answer's metrics: its latency, and a 4xx (by status) or a 503 counted."""
    metrics.add("ApiLatency", latency_ms)
    if status == 503:
        metrics.add("RequestsUnavailable")
    elif 400 <= status < 500:
        metrics.add("RequestsRejected")
        metrics.add_by("RequestsRejected", "reason", {str(status): 1})
