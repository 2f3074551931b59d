"""The migration runner, and what the migrations promise: roles, privileges, constraints."""
import shutil
import subprocess
import sys
import threading

import psycopg2
import pytest

from chalicelib.platform.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, find_migrations


def applied_names(dsn) -> list[str]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM schema_migrations ORDER BY name")
        names = [n for (n,) in cur.fetchall()]
    conn.close()
    return names


def apply(dsn, directory=MIGRATIONS_DIR) -> list[str]:
    conn = psycopg2.connect(dsn)
    try:
        return apply_migrations(conn, directory)
    finally:
        conn.close()


def test_migrations_apply_in_order_once(scratch_dsn):
    every = [m.name for m in find_migrations()]
    assert every[:2] == ["001_schema", "002_roles"] and every == sorted(every)

    assert apply(scratch_dsn) == every
    assert apply(scratch_dsn) == []
    assert applied_names(scratch_dsn) == every


def test_an_applied_migration_that_was_edited_is_an_error(scratch_dsn, tmp_path):
    (tmp_path / "001_first.sql").write_text("CREATE TABLE first_table (x int);")
    apply(scratch_dsn, tmp_path)
    (tmp_path / "001_first.sql").write_text("CREATE TABLE first_table (x bigint);")

    with pytest.raises(MigrationError, match="001_first.sql changed after it was applied"):
        apply(scratch_dsn, tmp_path)


def test_a_repeatable_migration_runs_after_the_numbered_ones_and_again_only_when_it_changes(scratch_dsn, tmp_path):
    rules = tmp_path / "R__rules.sql"
    rules.write_text("CREATE OR REPLACE FUNCTION rule_x() RETURNS int LANGUAGE sql AS 'SELECT x FROM first_table';")
    (tmp_path / "001_first.sql").write_text("CREATE TABLE first_table (x int); INSERT INTO first_table VALUES (1);")
    assert apply(scratch_dsn, tmp_path) == ["001_first", "R__rules"]
    assert apply(scratch_dsn, tmp_path) == []

    rules.write_text("CREATE OR REPLACE FUNCTION rule_x() RETURNS int LANGUAGE sql AS 'SELECT x + 1 FROM first_table';")
    assert apply(scratch_dsn, tmp_path) == ["R__rules"]
    assert applied_names(scratch_dsn) == ["001_first", "R__rules"]
    with psycopg2.connect(scratch_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT rule_x()")
        assert cur.fetchone() == (2,)
    conn.close()


def test_a_failing_migration_leaves_nothing_and_names_its_file(scratch_dsn, tmp_path):
    (tmp_path / "001_good.sql").write_text("CREATE TABLE good_table (x int);")
    (tmp_path / "002_bad.sql").write_text("CREATE TABLE half_done (x int); SELECT 1 / 0;")

    with pytest.raises(MigrationError, match="002_bad.sql failed: division by zero"):
        apply(scratch_dsn, tmp_path)

    assert applied_names(scratch_dsn) == ["001_good"]
    with psycopg2.connect(scratch_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('half_done'), to_regclass('good_table') IS NOT NULL")
        assert cur.fetchone() == (None, True)
    conn.close()


def test_two_runners_at_once_apply_each_migration_once(scratch_dsn):
    results, errors = [], []

    def run():
        try:
            results.append(apply(scratch_dsn))
        except Exception as exc:  # collected: asserted empty
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert sorted(results, key=len) == [[], [m.name for m in find_migrations()]]


def test_the_command_line_applies_against_database_url(scratch_dsn, tmp_path):
    shutil.copy(MIGRATIONS_DIR / "001_schema.sql", tmp_path / "001_schema.sql")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": scratch_dsn, "DB_SSLMODE": "prefer"}

    done = subprocess.run([sys.executable, "-m", "chalicelib.platform.migrate", "--dir", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=MIGRATIONS_DIR.parent)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "migrate: applied 1 migration(s): 001_schema"


@pytest.fixture
def as_role(pg_dsn):
    """A cursor in a transaction (rolled back) running as the given role."""
    conn = psycopg2.connect(pg_dsn)

    def cursor(role: str):
        cur = conn.cursor()
        cur.execute(f"SET ROLE {role}")
        return cur

    yield cursor
    conn.rollback()
    conn.close()


def test_the_app_roles_cannot_log_in(pg_dsn):
    with psycopg2.connect(pg_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT rolname, rolcanlogin FROM pg_roles "
                    "WHERE rolname IN ('cardstream_loader', 'cardstream_reporting') ORDER BY 1")
        assert cur.fetchall() == [("cardstream_loader", False), ("cardstream_reporting", False)]
    conn.close()


@pytest.mark.parametrize("statement", [
    "DELETE FROM card_transaction",
    "TRUNCATE ingest_file",
    "CREATE TABLE loader_made (x int)",
    "ALTER TABLE customer ADD COLUMN x int",
    "DROP TABLE rejected_row",
])
def test_the_loader_role_can_neither_delete_nor_change_the_schema(as_role, statement):
    cur = as_role("cardstream_loader")

    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)


def test_the_loader_role_can_read_and_write_the_pipeline_tables(as_role):
    cur = as_role("cardstream_loader")

    cur.execute("INSERT INTO merchant (name) VALUES ('fraud_Role Check') RETURNING merchant_id")
    cur.execute("UPDATE merchant SET name = 'fraud_Role Checked' WHERE merchant_id = %s", cur.fetchone())
    cur.execute("SELECT count(*) FROM merchant WHERE name = 'fraud_Role Checked'")
    assert cur.fetchone() == (1,)


@pytest.mark.parametrize("statement", [
    "SELECT first FROM customer",
    "SELECT street FROM customer_address",
    "SELECT * FROM card_transaction",
    "SELECT row_data FROM rejected_row",
])
def test_the_reporting_role_cannot_read_the_base_tables(as_role, statement):
    cur = as_role("cardstream_reporting")

    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)


def test_the_reporting_role_reads_views_without_personal_columns(as_role):
    cur = as_role("cardstream_reporting")

    cur.execute("SELECT * FROM reporting.transactions LIMIT 0")
    columns = {c.name for c in cur.description}
    assert {"amt", "state", "is_fraud", "merchant"} <= columns
    assert not columns & {"first", "last", "street", "dob", "card_token", "cc_last4"}
    cur.execute("SELECT count(*) FROM reporting.ingest_files")
    cur.execute("SELECT * FROM reporting.rejected_rows LIMIT 0")
    assert "row_data" not in {c.name for c in cur.description}


def test_nobody_but_the_owner_creates_in_the_public_schema(as_role):
    cur = as_role("cardstream_reporting")

    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("CREATE TABLE public.sneaky (x int)")


ADDRESS = "INSERT INTO customer_address (street, city, state, zip, lat, long, city_pop) VALUES "


@pytest.mark.parametrize("statement", [
    ADDRESS + "('1 A St', 'B', 'nc', '12345', 1, 1, 1)",
    ADDRESS + "('1 A St', 'B', 'NC', '12345', 91, 1, 1)",
    "INSERT INTO merchant (name) VALUES (' padded')",
    "INSERT INTO merchant (name) VALUES (E'line\\nbreak')",
])
def test_check_constraints_hold_the_rules_in_the_tables_too(as_role, statement):
    cur = as_role("cardstream_loader")

    with pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(statement)
