"""The functions' database login: its password reaches PostgreSQL only as a SCRAM verifier made client-side."""
import io
import uuid

import psycopg2
from psycopg2 import sql
from psycopg2.extras import LoggingConnection

from chalicelib.platform.dbsetup import ensure_app_login
from tests.support.chalice_package import stand_in_database

PASSWORD = "s3cret-" + "p" * 25


def test_the_app_login_is_set_by_verifier_and_no_sql_text_holds_the_password():
    user, group = f"cardstream_app_{uuid.uuid4().hex[:8]}", f"cardstream_group_{uuid.uuid4().hex[:8]}"
    with stand_in_database() as (_, dsn):
        sent = io.StringIO()
        conn = psycopg2.connect(dsn, connection_factory=LoggingConnection)
        conn.initialize(sent)  # every statement's text, as the server receives it
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
            conn.commit()
            ensure_app_login(conn, user, PASSWORD, group)
            ensure_app_login(conn, user, PASSWORD + "-rotated", group)  # ALTER on a second run
            with conn.cursor() as cur:
                cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (user,))
                (stored,) = cur.fetchone()
                cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (user, group))
                (member,) = cur.fetchone()
        finally:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("DROP ROLE IF EXISTS {}, {}").format(sql.Identifier(user), sql.Identifier(group)))
            conn.commit()
            conn.close()
    text = sent.getvalue()
    assert PASSWORD not in text and "rotated" not in text
    assert text.count("PASSWORD 'SCRAM-SHA-256$4096:") == 2
    assert stored.startswith("SCRAM-SHA-256$4096:") and member
