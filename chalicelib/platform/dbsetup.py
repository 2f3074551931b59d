"""The database set-up a cloud deploy runs from inside the VPC (the `migrate` function; the database is private).

It connects with the master secret (DB_ADMIN_SECRET_ID: the one RDS manages and rotates, which holds the login
only; host, port and database come from the app secret), applies the pending migrations, then creates or
updates the functions' own login from their secret (DB_SECRET_ID) as a member of cardstream_loader and
cardstream_retention and nothing else. So the functions never hold the master password; each drops to its role
with DB_ROLE (the retention function to cardstream_retention, every other to cardstream_loader).
The password reaches the server only as a SCRAM-SHA-256 verifier computed here (libpq's PQencryptPasswordConn),
so no SQL text, server log or pg_stat_statements entry ever holds it in clear.
`python -m chalicelib.platform.dbsetup` runs the same from a machine that can reach the database.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from psycopg2 import errors, sql
from psycopg2.extensions import encrypt_password

from chalicelib.platform.clients import get_client
from chalicelib.platform.db import connect_kwargs, open_connection
from chalicelib.platform.migrate import apply_migrations
from chalicelib.platform.secrets import SecretCache
from chalicelib.platform.settings import get_settings

APP_GROUP = "cardstream_loader"  # made by sql/002_roles.sql
WHERE = ("host", "port", "dbname", "engine")  # the connection fields of an RDS-format secret
RETENTION_GROUP = "cardstream_retention"  # made by sql/050_retention.sql


def ensure_app_login(conn, username: str, password: str, group: str = APP_GROUP) -> None:
    """The login `username` with `password`, member of `group`: created, or its password reset.

    The statement carries the password's SCRAM verifier (`SCRAM-SHA-256$4096:salt$StoredKey:ServerKey`), which
    PostgreSQL stores as given; the clear password never leaves this process."""
    verifier = encrypt_password(password, username, conn, "scram-sha-256")
    for last_try in (False, True):
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (username,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(sql.SQL(verb + " ROLE {} WITH LOGIN PASSWORD %s").format(sql.Identifier(username)),
                            (verifier,))
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
    settings = get_settings()
    secrets = SecretCache(get_client("secretsmanager"), settings.secret_cache_seconds)
    admin = secrets.get(settings.db_admin_secret_id) if settings.db_admin_secret_id else None
    app_secret = secrets.get(settings.db_secret_id) if settings.db_secret_id and admin else None
    if admin is not None and app_secret is not None:
        # RDS's own master secret holds the login only; where the database is comes from the app secret
        admin = {**{k: app_secret[k] for k in WHERE if k in app_secret}, **admin}
    conn = open_connection(connect_kwargs(settings, admin))
    try:
        return setup_database(conn, app_secret)
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m chalicelib.platform.dbsetup", description=__doc__.splitlines()[0],
        epilog="example: DB_ADMIN_SECRET_ID=cardstream/dev/db-admin DB_SECRET_ID=cardstream/dev/db "
               "python -m chalicelib.platform.dbsetup").parse_args(argv)
    print(json.dumps(run_setup()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
