"""PostgreSQL connections: one per process, reused across warm invocations, reconnected once when broken.

Credentials come from `DATABASE_URL` (local runs) or from a Secrets Manager secret in the RDS format
(host, port, username, password, dbname). `Database.transaction(work)` runs `work(cursor)` in one
transaction and retries it on a deadlock or serialization failure, so callers write plain SQL.
"""
from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg2
from psycopg2 import sql

from chalicelib.platform.logs import log_event

T = TypeVar("T")

# deadlock_detected, serialization_failure, and unique_violation: a set-based insert that skipped the keys it
# saw stored loses a race when another transaction inserts one of them meanwhile; the rerun finds it stored.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "23505"})
# jit: compiling a bulk statement costs more than running it. temp_buffers: staging tables stay in memory
# (it only takes effect before a session's first temporary table, hence a connection option).
# work_mem: a file's sorts (dedupe, ordered upserts) run in memory instead of spilling to disk.
SESSION_SETTINGS = {"jit": "off", "temp_buffers": "64MB", "work_mem": "64MB"}
APPLICATION_NAME = "cardstream"


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL cannot be reached (or the connection broke twice): retry later."""


def connect_kwargs(settings, secret: dict[str, Any] | None = None) -> dict[str, Any]:
    """psycopg2.connect keyword arguments from DATABASE_URL, else from an RDS-format secret."""
    options = {**SESSION_SETTINGS, "statement_timeout": str(settings.db_statement_timeout_ms)}
    kwargs: dict[str, Any] = {
        "sslmode": settings.db_sslmode,
        "connect_timeout": settings.db_connect_timeout_seconds,
        "application_name": APPLICATION_NAME,
        "options": " ".join(f"-c {name}={value}" for name, value in options.items()),
    }
    if settings.db_sslrootcert:
        kwargs["sslrootcert"] = settings.db_sslrootcert
    if settings.database_url:
        return {"dsn": settings.database_url, **kwargs}
    if secret is None:
        raise DatabaseUnavailable("no DATABASE_URL and no database secret: set DATABASE_URL or DB_SECRET_ID")
    return {"host": secret["host"], "port": int(secret.get("port", 5432)), "user": secret["username"],
            "password": secret["password"], "dbname": secret.get("dbname", "postgres"), **kwargs}


def database_secret(settings, read_secret: Callable[[str], dict[str, Any]]) -> dict[str, Any] | None:
    """The RDS-format database secret (`read_secret(secret_id)`), or None when DATABASE_URL is used or no
    secret is configured: then no secret is read at all."""
    if settings.database_url or not settings.db_secret_id:
        return None
    return read_secret(settings.db_secret_id)


def open_connection(kwargs: dict[str, Any], role: str | None = None):
    """A new connection; with `role`, the session drops to that role (e.g. cardstream_loader)."""
    try:
        conn = psycopg2.connect(**kwargs)
    except psycopg2.OperationalError as exc:
        # The message can name the host but never holds the password.
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {str(exc).strip()}") from None
    if role:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        conn.commit()
    return conn


class Database:
    """One lazily opened connection and a transaction runner with bounded retries."""

    def __init__(self, connect: Callable[[], Any], attempts: int = 5, base_delay: float = 0.05,
                 sleep: Callable[[float], None] = time.sleep):
        self._connect = connect
        self._attempts = max(1, attempts)
        self._base_delay = base_delay
        self._sleep = sleep
        self._conn = None

    def connection(self):
        """The open connection, opening a new one when there is none or it was closed."""
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    def transaction(self, work: Callable[[Any], T]) -> T:
        """`work(cursor)` in one transaction, committed on return and rolled back on any error.

        A deadlock or serialization failure reruns `work` after a jittered backoff; a broken connection
        is replaced once and `work` rerun, so `work` must be safe to repeat (a rolled-back attempt left
        nothing behind, and anything it did outside the database must be idempotent).
        """
        reconnected = False
        attempt = 0
        while True:
            attempt += 1
            conn = self.connection()
            try:
                with conn.cursor() as cur:
                    result = work(cur)
                conn.commit()
                return result
            except psycopg2.Error as exc:
                _rollback_quietly(conn)
                if conn.closed and not reconnected:
                    reconnected = True
                    log_event("db_reconnect", error=type(exc).__name__)
                    continue
                if conn.closed:
                    raise DatabaseUnavailable(f"connection broke twice: {type(exc).__name__}") from exc
                if exc.pgcode not in RETRYABLE_SQLSTATES or attempt >= self._attempts:
                    raise
                log_event("db_retry", sqlstate=exc.pgcode, attempt=attempt)
                self._sleep(self._base_delay * (2 ** (attempt - 1)) * (0.5 + random.random()))
            except BaseException:
                _rollback_quietly(conn)
                raise


def _rollback_quietly(conn) -> None:
    if conn.closed:
        return
    with contextlib.suppress(psycopg2.Error):  # a dying connection fails this too; the next call reconnects
        conn.rollback()
