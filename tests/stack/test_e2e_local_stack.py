"""End to end: the real local stack (`python -m infra.local up`) in a child process, driven over HTTP.

PostgreSQL is a fresh scratch database on 127.0.0.1:5432 when one answers there, else the stack's
embedded server in the test's own state folder. Ports are free ones; nothing is shared with `make up`.
"""
import contextlib
import os
import time
import uuid
from pathlib import Path

import pytest

from chalicelib.dictionary.validate import validate_transaction
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.stream.csvfile import encode_csv
from client.generate import write_csv
from infra.local import observe
from infra.local.api import WARM_UP_REJECTED
from infra.local.metrics_tally import Tally
from tests.support.factories import make_transaction

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
ROWS = 2000


def _sample(tmp_path_factory, rows: int, seed: int) -> Path:
    path = tmp_path_factory.mktemp("samples") / f"sample-{rows}-{seed}.csv"
    write_csv(path, rows, seed=seed)
    return path


@pytest.fixture(scope="module")
def first_replay(stack, tmp_path_factory):
    sample = _sample(tmp_path_factory, ROWS, seed=101)
    result = stack.replay(sample)
    missing = observe.wait_for_rows(stack.dsn, sorted(result.accepted_at))
    return sample, result, missing


def _query(dsn: str, sql: str, params=()):
    with contextlib.closing(observe.connect(dsn)) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _fingerprint(dsn: str) -> tuple:
    """Every stored transaction, and the size of every table around it."""
    return _query(dsn, """
        SELECT (SELECT md5(string_agg(t::text, '|' ORDER BY trans_num)) FROM card_transaction t),
               (SELECT count(*) FROM customer), (SELECT count(*) FROM customer_address),
               (SELECT count(*) FROM merchant)""")[0]


def _wait_for_ledger(dsn: str, since, rows: int, timeout: float = 60.0) -> tuple[int, int]:
    """(inserted, duplicate) over the files loaded since `since`, once they account for `rows` rows."""
    deadline = time.monotonic() + timeout
    while True:
        inserted, duplicate = _query(dsn, """
            SELECT coalesce(sum(rows_inserted), 0), coalesce(sum(rows_duplicate), 0)
              FROM ingest_file WHERE started_at >= %s""", (since,))[0]
        if inserted + duplicate >= rows or time.monotonic() > deadline:
            return inserted, duplicate
        time.sleep(0.2)


def test_every_replayed_row_is_in_postgres(first_replay):
    _, result, missing = first_replay
    assert (result.sent, result.accepted, result.rejected, result.undelivered) == (ROWS, ROWS, [], [])
    assert missing == set()


def test_the_functions_metrics_count_every_replayed_row_through_each_stage(stack, first_replay):
    # Summed from the EMF lines in the stack's output, as `make demo` does; a load's line follows its commit.
    deadline = time.monotonic() + 30
    while (summary := Tally(exclude=WARM_UP_REJECTED).feed_all(stack.process.lines()).summary())["loaded"] < ROWS \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert summary == {**summary, "accepted": ROWS, "landed": ROWS, "loaded": ROWS, "rejected": 0, "quarantined": 0}


def test_a_second_replay_changes_nothing(stack, first_replay):
    sample, _, _ = first_replay
    before, since = _fingerprint(stack.dsn), observe.database_now(stack.dsn)
    again = stack.replay(sample)
    assert again.accepted == ROWS
    inserted, duplicate = _wait_for_ledger(stack.dsn, since, ROWS)
    assert (inserted, duplicate) == (0, ROWS)
    assert _fingerprint(stack.dsn) == before


def test_broken_rows_in_a_replayed_file_are_rejected_with_reasons_and_the_rest_loads(stack, tmp_path):
    rows = [make_transaction() for _ in range(6)]
    rows[1]["cc_num"] = "4111111111111112"  # fails the Luhn check
    rows[3]["amt"] = "-4.00"
    path = tmp_path / "broken.csv"
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(f'"{r[c]}"' for c in header) for r in rows]
    lines.insert(4, "too,few,fields")  # line 5 of the file: never sent, reported by line number
    path.write_text("\n".join(lines) + "\n")
    result = stack.replay(path)
    reasons = {r.line: set(r.errors) for r in result.rejected}
    assert reasons == {3: {"cc_num"}, 6: {"amt"}}
    assert [m.line for m in result.malformed] == [5]
    good = [r["trans_num"] for i, r in enumerate(rows) if i not in (1, 3)]
    assert observe.wait_for_rows(stack.dsn, good) == set()


def test_a_landed_file_with_broken_rows_loads_the_rest_and_records_the_reasons(stack):
    tokenizer = CardTokenizer(os.urandom(32))
    records = [tokenizer.tokenize(validate_transaction(make_transaction())) for _ in range(5)]
    records[2]["amt"] = "-1.00"  # a writer other than the batcher broke these two
    records[4]["state"] = "North Carolina"
    key = f"raw-data/dt=2024-01-01/hour=00/e2e-broken-{uuid.uuid4().hex[:8]}.csv"
    stack.s3().put_object(Bucket=stack.info["bucket"], Key=key, Body=encode_csv(records))
    good = [r["trans_num"] for i, r in enumerate(records) if i not in (2, 4)]
    assert observe.wait_for_rows(stack.dsn, good) == set()
    reasons = _query(stack.dsn, "SELECT r.line_no, r.reason FROM rejected_row r JOIN ingest_file f USING (file_id) "
                                "WHERE f.key = %s ORDER BY r.line_no", (key,))
    assert [line for line, _ in reasons] == [4, 6]
    assert all(reason for _, reason in reasons)
    assert observe.missing_rows(stack.dsn, [records[2]["trans_num"], records[4]["trans_num"]]) == {
        records[2]["trans_num"], records[4]["trans_num"]}


def test_a_graceful_stop_with_rows_in_flight_loses_nothing(stack, tmp_path_factory):
    sample = _sample(tmp_path_factory, 50, seed=303)  # fewer than a batch: they wait out the 2 s window
    result = stack.replay(sample)
    accepted = sorted(result.accepted_at)
    in_flight = observe.missing_rows(stack.dsn, accepted)
    assert stack.stop() == 0
    assert len(accepted) == 50 and in_flight  # the stop really caught rows on their way
    stack.start()
    assert observe.missing_rows(stack.dsn, accepted) == set()
