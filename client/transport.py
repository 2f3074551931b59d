"""HTTP to the ingest API: POST /transactions over keep-alive connections, one per worker thread.

Standard library only (http.client): the client needs nothing more, and a keep-alive connection per
thread saves a TCP (and TLS) handshake per batch. It classifies, it does not decide: retrying is the
replay's business.
"""
from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from client import __version__

TRANSACTIONS_PATH = "transactions"
DEFAULT_TIMEOUT_S = 30.0
_STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class ConnectionFailed(OSError):
    """The request did not get an HTTP answer (refused, reset, timed out). Resending is safe."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]  # the JSON object answered, or {} when the body was not one
    retry_after: float | None = None


def transactions_url(base_url: str) -> str:
    """The POST /transactions URL for an API base URL (a URL already ending in /transactions is kept)."""
    base = base_url.rstrip("/")
    return base if base.endswith("/" + TRANSACTIONS_PATH) else f"{base}/{TRANSACTIONS_PATH}"


class Transport:
    """POSTs JSON bodies to one URL with a bearer token. Thread-safe: each thread has its connection."""

    def __init__(self, url: str, token: str, timeout: float = DEFAULT_TIMEOUT_S):
        parts = urlsplit(transactions_url(url))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"cardstream-client/{__version__}",
        }
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def post(self, body: bytes) -> Reply:
        """One POST. Raises `ConnectionFailed` when no HTTP answer came back."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                return self._exchange(conn, body)
            except _STALE_CONNECTION:
                self._drop(conn)  # the server closed an idle keep-alive connection: one fresh try
            except (OSError, http.client.HTTPException) as exc:
                self._drop(conn)
                raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from None
        conn = self._connect()
        try:
            return self._exchange(conn, body)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(conn)
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()

    def _exchange(self, conn: http.client.HTTPConnection, body: bytes) -> Reply:
        conn.request("POST", self._path, body=body, headers=self._headers)
        response = conn.getresponse()
        data = response.read()
        if response.will_close:
            self._drop(conn)
        return Reply(response.status, _json_object(data), _seconds(response.getheader("Retry-After")))

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self._timeout)
        self._local.conn = conn
        with self._lock:
            self._all.append(conn)
        return conn

    def _drop(self, conn: http.client.HTTPConnection) -> None:
        conn.close()
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # whatever a server or proxy answers, never a crash
        return {}
    return body if isinstance(body, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare, and the backoff still applies
