"""JSON secrets from Secrets Manager, cached in the warm Lambda for a short TTL.

A short TTL lets a rotated API token or database password take effect without a redeploy, while
keeping Secrets Manager calls off the per-request path.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any


class SecretUnavailable(RuntimeError):
    """The secret could not be read or is not a JSON object."""


class SecretCache:
    def __init__(self, client, ttl_seconds: float = 60, clock: Callable[[], float] = time.monotonic):
        self._client = client
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, secret_id: str) -> dict[str, Any]:
        """The secret's JSON object, fetched at most once per TTL."""
        now = self._clock()
        cached = self._entries.get(secret_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            raw = self._client.get_secret_value(SecretId=secret_id)["SecretString"]
            value = json.loads(raw)
        except Exception as exc:  # boto errors and bad JSON alike: never echo the value
            raise SecretUnavailable(f"secret {secret_id} unavailable: {type(exc).__name__}") from None
        if not isinstance(value, dict):
            raise SecretUnavailable(f"secret {secret_id} is not a JSON object")
        self._entries[secret_id] = (now, value)
        return value
