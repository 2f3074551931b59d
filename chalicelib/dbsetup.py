"""The database set-up a cloud deploy runs from inside the VPC (the `migrate` function; the database is private).

It connects with the master secret (DB_ADMIN_SECRET_ID), applies the pending migrations, then creates or
updates the functions' own login from their secret (DB_SECRET_ID) as a member of cardstream_loader and
cardstream_retention and nothing else. So the functions never hold the master password; each drops to its role
with DB_ROLE (the retention function to cardstream_retention, every other to cardstream_loader).
`python -m chalicelib.dbsetup` runs the same from a machine that can reach the database.
"""
from __future__ import annotations

import json
import sys
from typing import Any

from psycopg2 import errors, sql

from chalicelib.migrate import apply_migrations

APP_GROUP = "cardstream_loader"  # made by sql/002_roles.sql
RETENTION_GROUP = "cardstream_retention"  # made by sql/050_retention.sql


def ensure_app_login(conn, username: str, password: str, group: str = APP_GROUP) -> None:
    """The login `username` with `password`, member of `group`: created, or its password reset."""
    for last_try in (False, True):
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(username)),
                            (password,))
                cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(username)))
            conn.commit()
            return
        except (errors.DuplicateObject, errors.UniqueViolation):
            conn.rollback()  # roles are cluster-wide: another database's set-up made it after our check
            if last_try:
                raise


def setup_database(admin_conn, app_secret: dict[str, Any] | None) -> dict[str, Any]:
    """Migrations, then the app login (when an app secret is given). Names only: no password leaves."""
    applied = apply_migrations(admin_conn)
    if app_secret:
        ensure_app_login(admin_conn, app_secret["username"], app_secret["password"])
        ensure_app_login(admin_conn, app_secret["username"], app_secret["password"], RETENTION_GROUP)
    return {"applied": applied, "app_login": app_secret["username"] if app_secret else None}


def run_setup() -> dict[str, Any]:
    """`setup_database` with the stage's settings and secrets (what the `migrate` function calls)."""
    from chalicelib import runtime
    from chalicelib.db import connect_kwargs, open_connection
    from chalicelib.settings import get_settings

    settings = get_settings()
    secrets = runtime.secret_cache()
    admin = secrets.get(settings.db_admin_secret_id) if settings.db_admin_secret_id else None
    app_secret = secrets.get(settings.db_secret_id) if settings.db_secret_id and admin else None
    conn = open_connection(connect_kwargs(settings, admin))
    try:
        return setup_database(conn, app_secret)
    finally:
        conn.close()


def main() -> int:
    print(json.dumps(run_setup()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
