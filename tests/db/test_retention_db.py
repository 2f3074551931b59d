"""Bounded hot storage on the real PostgreSQL: old rows leave, recent ones stay, the ledger outlives them, and
loads go on while a retention batch holds its rows."""
import datetime as dt

import psycopg2
import pytest

from chalicelib.lake.retention import Retention, RetentionPolicy
from tests.support.env import stage_env
from tests.support.rawfiles import (
    BUCKET,
    clear_tables,
    execute,
    make_database,
    make_loader,
    put_file,
    query,
    raw_key,
    record,
)

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the scheduled function runs on the real clock
POLICY = RetentionPolicy(hot_days=30, ledger_days=60, batch_rows=2)  # tiny batches: many batches per run


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    execute(database_url, "TRUNCATE retention_run")
    return database_url


def load(name: str, rows: list[dict]) -> str:
    key = put_file(raw_key(name), rows)
    assert make_loader().load_object(BUCKET, key).status == "loaded"
    return key


def age(dsn: str, key: str, days: int) -> None:
    """Pretend the file was loaded `days` before NOW: its ledger row, transactions and alerts."""
    when = NOW - dt.timedelta(days=days)
    execute(dsn, "UPDATE card_transaction SET loaded_at = %s WHERE source_key = %s", (when, key))
    execute(dsn, "UPDATE ingest_file SET started_at = %s, finished_at = %s WHERE key = %s", (when, when, key))


def alert(dsn: str, trans_num: str) -> None:
    execute(dsn, "INSERT INTO fraud_alert (trans_num, score, reasons, rule_version) "
                     "VALUES (%s, 0.9, ARRAY['amount: high'], 'test')", (trans_num,))


def run_retention(policy: RetentionPolicy = POLICY):
    return Retention(make_database("cardstream_retention"), policy, clock=lambda: NOW).run()


def keys_of(dsn: str, table: str, column: str) -> list[str]:
    return sorted(r[0] for r in query(dsn, f"SELECT DISTINCT {column} FROM {table}"))


@pytest.fixture
def three_ages(dsn):
    """Files loaded 70 days ago (past the ledger), 35 days ago (past the hot window) and 1 day ago; each with
    an alert and a rejected row."""
    keys = {}
    for name, days in (("ancient", 70), ("old", 35), ("recent", 1)):
        rows = [record(card=days + i) for i in range(3)] + [record(card=days, amt="not money")]
        keys[name] = load(name, rows)
        alert(dsn, rows[0]["trans_num"])
        age(dsn, keys[name], days)
    return keys


def test_rows_older_than_the_hot_window_leave_and_recent_ones_stay(dsn, three_ages):
    result = run_retention()

    assert (result.transactions_deleted, result.alerts_deleted, result.rejected_rows_deleted) == (6, 2, 2)
    assert result.complete
    assert keys_of(dsn, "card_transaction", "source_key") == [three_ages["recent"]]
    assert query(dsn, "SELECT count(*) FROM fraud_alert") == [(1,)]
    assert keys_of(dsn, "rejected_row JOIN ingest_file USING (file_id)", "key") == [three_ages["recent"]]


def test_the_ledger_keeps_a_file_past_the_hot_window_and_forgets_it_after_the_ledger_window(dsn, three_ages):
    result = run_retention()

    assert result.files_forgotten == 1
    assert keys_of(dsn, "ingest_file", "key") == sorted([three_ages["old"], three_ages["recent"]])


def test_a_redelivered_file_whose_rows_left_is_still_skipped_by_the_ledger(dsn, three_ages):
    run_retention()

    again = make_loader().load_object(BUCKET, three_ages["old"])

    assert again.status == "skipped"
    assert query(dsn, "SELECT count(*) FROM card_transaction WHERE source_key = %s", (three_ages["old"],)) == [(0,)]


def test_a_run_is_recorded_and_the_reporting_view_says_what_is_hot(dsn, three_ages):
    run_retention()

    rows = query(dsn, "SELECT hot_days, hot_since, ledger_days, complete FROM reporting.hot_window")
    assert rows == [(30, NOW - dt.timedelta(days=30), 60, True)]


def test_the_hot_window_view_is_empty_of_a_cutoff_while_retention_never_ran(dsn):
    assert query(dsn, "SELECT hot_days, hot_since FROM reporting.hot_window") == [(None, None)]


def test_a_load_finishes_while_a_retention_batch_holds_its_rows(dsn, three_ages):
    retention_db = make_database("cardstream_retention")
    conn = retention_db.connection()
    with conn.cursor() as cur:  # a batch, left open: its rows and their alerts are locked
        cur.execute("SELECT trans_num FROM card_transaction WHERE loaded_at < %s FOR UPDATE", (NOW - dt.timedelta(30),))
        doomed = [r[0] for r in cur.fetchall()]
        cur.execute("DELETE FROM fraud_alert WHERE trans_num = ANY(%s)", (doomed,))
        cur.execute("DELETE FROM card_transaction WHERE trans_num = ANY(%s)", (doomed,))
    try:
        # A lock wait would fail the load here instead of hanging: the statement timeout is short.
        with stage_env(DB_STATEMENT_TIMEOUT_MS="5000"):
            result = make_loader().load_object(BUCKET, put_file(raw_key("during"), [record(card=500 + i)
                                                                                 for i in range(20)]))
    finally:
        conn.rollback()
        retention_db.close()
    assert (result.status, result.rows_inserted) == ("loaded", 20)


def test_retention_skips_a_row_a_load_holds_and_finishes_without_waiting(dsn, three_ages):
    held = query(dsn, "SELECT min(trans_num) FROM card_transaction WHERE source_key = %s", (three_ages["old"],))[0][0]
    loader_conn = psycopg2.connect(dsn)
    try:
        with loader_conn.cursor() as cur:  # as update_labels.sql would, for a late label on an old row
            cur.execute("SELECT 1 FROM card_transaction WHERE trans_num = %s FOR UPDATE", (held,))
        result = run_retention()
    finally:
        loader_conn.rollback()
        loader_conn.close()

    assert result.transactions_deleted == 5
    assert query(dsn, "SELECT count(*) FROM card_transaction WHERE trans_num = %s", (held,)) == [(1,)]
    assert run_retention().transactions_deleted == 1  # the next run takes it


def test_a_run_past_its_budget_stops_between_batches_and_the_next_run_goes_on(dsn, three_ages):
    ticks = iter(range(1000))
    policy = RetentionPolicy(hot_days=30, ledger_days=60, batch_rows=2, budget_seconds=2)
    first = Retention(make_database("cardstream_retention"), policy, clock=lambda: NOW,
                      monotonic=lambda: float(next(ticks))).run()

    assert not first.complete and first.transactions_deleted == 2
    assert run_retention().transactions_deleted == 4


@pytest.mark.parametrize("role, statement", [
    ("cardstream_retention", "DELETE FROM customer"),  # only the rows that age out, never the dimensions
    ("cardstream_retention", "UPDATE card_transaction SET is_fraud = true"),
    ("cardstream_loader", "DELETE FROM card_transaction"),  # the loader still cannot delete
])
def test_each_role_is_refused_what_is_not_its_job(dsn, three_ages, role, statement):
    conn = make_database(role).connection()
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def _scheduled(api, function: str):
    event = api.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                         resources=[])
    return api.lambda_.invoke(function, event)


def test_the_scheduled_function_applies_the_stage_hot_days_as_the_retention_role(api, dsn, three_ages):
    with stage_env(HOT_DAYS="30", LEDGER_DAYS="60", DB_ROLE="cardstream_retention"):
        _scheduled(api, "enforce_retention")

    assert keys_of(dsn, "card_transaction", "source_key") == [three_ages["recent"]]
    assert query(dsn, "SELECT hot_days, ledger_days, complete FROM retention_run") == [(30, 60, True)]


def test_with_hot_days_off_the_scheduled_function_deletes_nothing(api, dsn, three_ages):
    _scheduled(api, "enforce_retention")

    assert len(keys_of(dsn, "card_transaction", "source_key")) == 3
    assert query(dsn, "SELECT count(*) FROM retention_run") == [(0,)]
