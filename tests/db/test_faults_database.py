"""PostgreSQL faults during a load: the server stopped and started, a backend terminated before the commit,
the loading process killed between the staging COPY and the commit. Each ends with the file loaded once."""
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import psycopg2
import pytest
from moto.server import ThreadedMotoServer

from chalicelib.load.loader import Loader
from chalicelib.platform.clients import get_client
from chalicelib.platform.db import Database, DatabaseUnavailable, open_connection
from tests.support.faults import StoppablePostgres
from tests.support.loader_child import PAUSED
from tests.support.rawfiles import (
    BUCKET,
    QUARANTINE,
    TABLES,
    clear_tables,
    counts,
    make_database,
    make_loader,
    query,
    raw_key,
)
from tests.support.rawfiles import record as make_record

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _rows(n: int = 300) -> list[dict]:
    return [make_record(card=n % 23) for n in range(n)]


def _counts_at(dsn: str) -> dict[str, int]:
    with contextlib.closing(psycopg2.connect(dsn)) as conn, conn.cursor() as cur:
        out = {}
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            out[table] = cur.fetchone()[0]
        return out


def _put(rows, name="a") -> str:
    from chalicelib.stream.csvfile import encode_csv

    key = raw_key(name)
    get_client("s3").put_object(Bucket=BUCKET, Key=key, Body=encode_csv(rows))
    return key


def _once(action):
    """A loader hook that runs `action` on its first call only (a fault that then clears)."""
    done = []

    def hook(cur, context):
        if not done:
            done.append(True)
            action(cur)
    return hook


# ---- the server stopped mid-load, then started ----------------------------------------------------------------

@pytest.fixture
def stoppable_postgres(tmp_path):
    server = StoppablePostgres(tmp_path / "own-server")
    yield server
    server.close()


def test_postgres_stopped_during_a_load_then_started_loads_the_file_once(aws, stoppable_postgres):
    pg = stoppable_postgres
    key = _put(_rows(300))
    db = Database(lambda: open_connection({"dsn": pg.dsn, "connect_timeout": 2}), base_delay=0.01)
    loader = Loader(get_client("s3"), db, QUARANTINE, hooks=[_once(lambda cur: pg.stop())])

    with pytest.raises(DatabaseUnavailable):  # Lambda sees the failure and retries the S3 event
        loader.load_object(BUCKET, key)
    pg.start()
    assert _counts_at(pg.dsn) == dict.fromkeys(TABLES, 0)  # the stop rolled everything back

    result = loader.load_object(BUCKET, key)
    assert (result.status, result.rows_inserted) == ("loaded", 300)
    assert _counts_at(pg.dsn)["card_transaction"] == 300
    assert query(pg.dsn, "SELECT count(*), min(status) FROM ingest_file") == [(1, "loaded")]


def test_postgres_down_before_a_load_raises_and_the_retry_after_it_is_back_loads_once(aws, stoppable_postgres):
    pg = stoppable_postgres
    key = _put(_rows(50))
    db = Database(lambda: open_connection({"dsn": pg.dsn, "connect_timeout": 2}), base_delay=0.01)
    loader = Loader(get_client("s3"), db, QUARANTINE)
    pg.stop()

    for _ in range(2):
        with pytest.raises(DatabaseUnavailable):
            loader.load_object(BUCKET, key)
    pg.start()

    assert loader.load_object(BUCKET, key).rows_inserted == 50
    assert loader.load_object(BUCKET, key).status == "skipped"


# ---- a backend terminated between the facts and the commit ---------------------------------------------------

def test_a_backend_terminated_before_the_commit_is_replaced_and_the_load_rerun_once(aws, database_url):
    clear_tables(database_url)
    key = _put(_rows(200))
    admin = psycopg2.connect(database_url)
    admin.autocommit = True

    def terminate_own_backend(cur):
        cur.execute("SELECT pg_backend_pid()")
        with admin.cursor() as other:
            other.execute("SELECT pg_terminate_backend(%s)", (cur.fetchone()[0],))

    try:
        result = make_loader(hooks=[_once(terminate_own_backend)]).load_object(BUCKET, key)
    finally:
        admin.close()
    assert (result.status, result.rows_inserted) == ("loaded", 200)  # one reconnect, one rerun, inside one call
    assert counts(database_url)["card_transaction"] == 200
    assert query(database_url, "SELECT count(*) FROM ingest_file") == [(1,)]


# ---- the process killed between the staging COPY and the commit ----------------------------------------------

@pytest.fixture
def moto_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)
    yield endpoint, s3
    server.stop()


def _backend_gone(dsn: str, pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not query(dsn, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)):
            return True
        time.sleep(0.05)
    return False


def test_a_loader_killed_between_the_staging_copy_and_the_commit_leaves_nothing_and_a_new_load_loads_all(
        database_url, moto_server):
    from chalicelib.stream.csvfile import encode_csv

    clear_tables(database_url)
    endpoint, s3 = moto_server
    key = raw_key("killed")
    s3.put_object(Bucket=BUCKET, Key=key, Body=encode_csv(_rows(400)))
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "DATABASE_URL": database_url}
    child = subprocess.Popen([sys.executable, "-m", "tests.support.loader_child", BUCKET, key], cwd=PROJECT_DIR,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith(PAUSED), line + child.stdout.read()
        fields = dict(part.split("=") for part in line.split()[-3:])
        assert int(fields["staged"]) == 400  # the COPY ran; the facts are written, uncommitted
        assert query(database_url, "SELECT state FROM pg_stat_activity WHERE pid = %s",
                     (int(fields["backend_pid"]),)) == [("idle in transaction",)]
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()

    assert _backend_gone(database_url, int(fields["backend_pid"]))  # the server noticed and rolled back
    assert counts(database_url) == dict.fromkeys(TABLES, 0)
    result = Loader(s3, make_database(), QUARANTINE).load_object(BUCKET, key)
    assert (result.status, result.rows_inserted) == ("loaded", 400)
    assert counts(database_url)["card_transaction"] == 400
