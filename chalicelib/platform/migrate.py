"""Schema migrations: each `sql/NNN_name.sql` applied once, in file-name order, in its own transaction.

`python -m chalicelib.platform.migrate` (also `make migrate`, the local stack and the deploy) applies what is pending
against DATABASE_URL or the DB secret. `schema_migrations` records each file with a checksum, so an applied
file that was edited afterwards is an error, not a silent drift. A session advisory lock lets runners that
start at once (deploy, local stack, parallel test sessions on one database) take turns.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "sql"
_FILE_RE = re.compile(r"\d{3}_[a-z0-9_]+\.sql")
_LOCK_KEY = 0x63617264  # "card": advisory locks are per database, so one constant is enough

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name        text PRIMARY KEY,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)"""


class MigrationError(RuntimeError):
    """A migration failed, or an applied migration's file changed since."""


@dataclass(frozen=True)
class Migration:
    name: str  # the file name without .sql, e.g. "001_schema": two helpers may both pick 003_ safely
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def find_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every NNN_name.sql in `directory`, in order."""
    files = sorted(p for p in Path(directory).iterdir() if _FILE_RE.fullmatch(p.name))
    return [Migration(p.stem, p.read_text(encoding="utf-8")) for p in files]


def apply_migrations(conn, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the pending migrations on `conn` (autocommit off); the names applied, in order."""
    migrations = find_migrations(directory)
    with conn.cursor() as cur:
        cur.execute("SET statement_timeout = 0")  # a migration may rewrite a big table
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        conn.commit()
        try:
            cur.execute(_CREATE_TABLE)
            cur.execute("SELECT name, checksum FROM schema_migrations")
            applied = dict(cur.fetchall())
            conn.commit()
            return [m.name for m in migrations if _apply_one(conn, cur, m, applied)]
        finally:
            conn.rollback()
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
            conn.commit()


def _apply_one(conn, cur, migration: Migration, applied: dict[str, str]) -> bool:
    if migration.name in applied:
        if applied[migration.name] != migration.checksum:
            raise MigrationError(f"{migration.name}.sql changed after it was applied: add a new migration instead")
        return False
    try:
        cur.execute(migration.sql)
        cur.execute("INSERT INTO schema_migrations (name, checksum) VALUES (%s, %s)",
                    (migration.name, migration.checksum))
        conn.commit()
    except Exception as exc:
        conn.rollback()
        raise MigrationError(f"{migration.name}.sql failed: {str(exc).strip()}") from exc
    return True


def main(argv: list[str] | None = None) -> int:
    # late: the CLI needs settings, clients and secrets; the library functions do not
    from chalicelib.platform.clients import get_client
    from chalicelib.platform.db import DatabaseUnavailable, connect_kwargs, database_secret, open_connection
    from chalicelib.platform.secrets import SecretCache, SecretUnavailable
    from chalicelib.platform.settings import get_settings

    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.platform.migrate", description=__doc__.splitlines()[0],
        epilog="example: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/cardstream "
               "python -m chalicelib.platform.migrate")
    parser.add_argument("--dir", type=Path, default=MIGRATIONS_DIR, help="migrations folder (default: sql/)")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        secret = database_secret(settings, lambda secret_id: SecretCache(get_client("secretsmanager")).get(secret_id))
        conn = open_connection(connect_kwargs(settings, secret))
    except (DatabaseUnavailable, SecretUnavailable) as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 2
    try:
        names = apply_migrations(conn, args.dir)
    except MigrationError as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    print(f"migrate: applied {len(names)} migration(s)" + (f": {', '.join(names)}" if names else ", none pending"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
