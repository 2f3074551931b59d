"""The scheduled compaction starts its statements in the stage's Athena workgroup, in order, and fails loudly."""
import datetime as dt

import pytest

from chalicelib.lake.compaction import CompactionFailed, Compactor, monthly_windows
from chalicelib.lake.statements import TYPED_VIEW

LOCATION = "s3://cardstream-test/lake/transactions/"
NOW = dt.datetime(2026, 12, 6, 1, 30, tzinfo=dt.UTC)


class RecordingAthena:
    """Athena's two calls the compaction makes, answering that each query succeeded, and what was sent (this
    machine's moto answers "Not yet implemented" for Athena's query API)."""

    def __init__(self):
        self.sent: list[dict] = []

    def start_query_execution(self, **kwargs):
        self.sent.append(kwargs)
        return {"QueryExecutionId": f"q-{len(self.sent)}"}

    def get_query_execution(self, QueryExecutionId):  # noqa: N803 - boto3's argument name
        return {"QueryExecution": {"QueryExecutionId": QueryExecutionId, "Status": {"State": "SUCCEEDED"}}}


def test_a_scheduled_run_bootstraps_then_merges_the_last_three_arrival_days():
    athena = RecordingAthena()
    result = Compactor(athena, "cardstream-test-lake", "cardstream_test", LOCATION, clock=lambda: NOW).compact_recent()

    assert (result.first_day, result.last_day) == (dt.date(2026, 12, 4), dt.date(2026, 12, 6))
    assert result.query_ids == ["q-1", "q-2", "q-3", "q-4"]
    texts = [q["QueryString"] for q in athena.sent]
    assert f"CREATE OR REPLACE VIEW {TYPED_VIEW}" in texts[0]
    assert "CREATE TABLE IF NOT EXISTS transactions" in texts[1]
    assert "CREATE OR REPLACE VIEW transactions_reporting" in texts[2]
    assert texts[3].count("BETWEEN '2026-12-04' AND '2026-12-06'") == 1 and "MERGE INTO transactions" in texts[3]
    assert {q["WorkGroup"] for q in athena.sent} == {"cardstream-test-lake"}
    assert {q["QueryExecutionContext"]["Database"] for q in athena.sent} == {"cardstream_test"}


class FailingAthena(RecordingAthena):
    """Athena answering that every query failed (moto's always succeed)."""

    def get_query_execution(self, QueryExecutionId):  # noqa: N803 - boto3's argument name
        return {"QueryExecution": {"Status": {"State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND"}}}


class SlowAthena(FailingAthena):
    def get_query_execution(self, QueryExecutionId):  # noqa: N803
        return {"QueryExecution": {"Status": {"State": "RUNNING"}}}


def test_a_failed_statement_stops_the_run_with_athena_reason():
    with pytest.raises(CompactionFailed, match="q-1 FAILED: TABLE_NOT_FOUND"):
        Compactor(FailingAthena(), "wg", "db", LOCATION, clock=lambda: NOW).compact_recent()


def test_a_statement_that_never_finishes_times_out_instead_of_hanging():
    naps = []
    compactor = Compactor(SlowAthena(), "wg", "db", LOCATION, clock=lambda: NOW, sleep=naps.append,
                          poll_seconds=5, timeout_seconds=20)
    with pytest.raises(CompactionFailed, match="still RUNNING after 20 s"):
        compactor.compact_recent()
    assert naps == [5, 5, 5, 5]


def test_a_backfill_merges_a_month_of_arrival_days_at_a_time():
    assert monthly_windows(dt.date(2026, 1, 20), dt.date(2026, 3, 5)) == [
        (dt.date(2026, 1, 20), dt.date(2026, 1, 31)), (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 5))]
    assert monthly_windows(dt.date(2026, 3, 6), dt.date(2026, 3, 5)) == []
