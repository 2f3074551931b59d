"""Several loads at once, as Lambda runs them with reserved concurrency above 1."""
import json
import threading

import pytest

from chalicelib.platform.db import Database
from tests.support.rawfiles import (
    BUCKET,
    clear_tables,
    counts,
    make_database,
    make_loader,
    put_file,
    query,
    raw_key,
    record,
)

MERCHANTS = [f"fraud_Shared Merchant {m}" for m in range(12)]


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def run_together(*jobs):
    """Start the jobs in threads at the same moment; their results, or their exceptions."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # collected: the test asserts there were none
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def shared_file(n: int) -> list[dict]:
    """300 rows over the same 25 cards and 12 merchants as the other files, in a different order."""
    rows = []
    for i in range(300):
        card = (i * 7 + n * 3) % 25
        rows.append(record(card=card, merchant=MERCHANTS[(i + n) % 12], street=f"{card} Shared Street",
                           trans_date_trans_time=f"2019-01-0{n + 1} {i // 60:02d}:{i % 60:02d}:00"))
    return rows[::-1] if n % 2 else rows


def test_four_files_sharing_customers_and_merchants_load_in_parallel_with_exact_counts(dsn):
    keys = [put_file(raw_key(f"part-{n}"), shared_file(n)) for n in range(4)]

    results = run_together(*[lambda k=k: make_loader().load_object(BUCKET, k) for k in keys])

    assert [(r.status, r.rows_inserted) for r in results] == [("loaded", 300)] * 4
    assert counts(dsn) == {"rejected_row": 0, "card_transaction": 1200, "customer": 25, "customer_address": 25,
                           "merchant": 12, "ingest_file": 4}
    # every card ends with the values of its latest transaction, whichever file committed last
    assert query(dsn, "SELECT count(*) FROM customer WHERE last_seen::date = '2019-01-04'") == [(25,)]


def test_the_same_file_delivered_twice_at_once_is_loaded_once(dsn):
    key = put_file(raw_key("twice"), [record(card=n % 5) for n in range(200)])

    results = run_together(lambda: make_loader().load_object(BUCKET, key),
                           lambda: make_loader().load_object(BUCKET, key))

    assert sorted(r.status for r in results) == ["loaded", "skipped"]
    assert counts(dsn)["card_transaction"] == 200
    assert counts(dsn)["ingest_file"] == 1


def test_overlapping_files_loaded_at_once_store_each_row_once(dsn):
    rows = [record(card=n % 9) for n in range(300)]
    first, second = put_file(raw_key("one"), rows[:200]), put_file(raw_key("two"), rows[100:])

    results = run_together(lambda: make_loader().load_object(BUCKET, first),
                           lambda: make_loader().load_object(BUCKET, second))

    assert sum(r.rows_inserted for r in results) == 300
    assert sum(r.rows_duplicate for r in results) == 100
    assert counts(dsn)["card_transaction"] == 300


def test_a_deadlock_is_retried_until_both_transactions_commit(dsn):
    query(dsn, "INSERT INTO merchant (name) VALUES ('deadlock a'), ('deadlock b') RETURNING 1")
    first_tries = threading.Barrier(2)
    attempts = []

    def lock_in_order(first: str, second: str):
        def work(cur):
            attempts.append(first)
            cur.execute("UPDATE merchant SET name = name WHERE name = %s", (first,))
            if len(attempts) <= 2:
                first_tries.wait()  # both hold their first row before either asks for its second
            cur.execute("UPDATE merchant SET name = name WHERE name = %s", (second,))
            return first
        return lambda: make_database().transaction(work)

    results = run_together(lock_in_order("deadlock a", "deadlock b"), lock_in_order("deadlock b", "deadlock a"))

    assert sorted(results) == ["deadlock a", "deadlock b"]
    assert len(attempts) == 3  # Postgres aborted one of them; it ran again and committed


def test_a_broken_connection_is_replaced_once(dsn):
    db: Database = make_database()
    pid = db.transaction(lambda cur: (cur.execute("SELECT pg_backend_pid()"), cur.fetchone()[0])[1])
    query(dsn, "SELECT pg_terminate_backend(%s)", (pid,))

    after = db.transaction(lambda cur: (cur.execute("SELECT pg_backend_pid()"), cur.fetchone()[0])[1])

    assert after != pid


def test_a_row_inserted_by_a_concurrent_load_is_retried_into_a_duplicate(dsn, capsys):
    # The cards, merchant and address are stored already (with newer values), so the two loads do not meet
    # on a customer row first: they race on the shared transaction itself.
    make_loader().load_object(BUCKET, put_file(raw_key("known"), [
        record(card=c, trans_date_trans_time="2019-01-05 00:00:00") for c in (1, 2, 3)]))
    shared = record(card=1)
    first = put_file(raw_key("first"), [shared, record(card=2)])
    second = put_file(raw_key("second"), [shared, record(card=3)])
    first_wrote = threading.Event()

    def hold_after_writing(cur, context):
        first_wrote.set()
        threading.Event().wait(1.0)  # the second load's insert now waits on this uncommitted row

    def second_load():
        first_wrote.wait(timeout=60)
        return make_loader().load_object(BUCKET, second)

    a, b = run_together(lambda: make_loader(hooks=[hold_after_writing]).load_object(BUCKET, first), second_load)

    assert (a.rows_inserted, a.rows_duplicate) == (2, 0)
    assert (b.status, b.rows_inserted, b.rows_duplicate) == ("loaded", 1, 1)
    assert counts(dsn)["card_transaction"] == 6
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(line.get("event") == "db_retry" and line["sqlstate"] == "23505" for line in lines)
