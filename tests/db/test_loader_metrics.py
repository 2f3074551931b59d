"""The loader's and the sweep's metrics on known files (issue 17), read from Powertools' EMF output."""
import datetime as dt

import pytest

from chalicelib.load.loader import Loader
from chalicelib.load.sweep import Sweeper
from chalicelib.platform import metrics
from chalicelib.platform.clients import get_client
from infra.local.metrics_tally import Tally
from tests.support.rawfiles import (
    BUCKET,
    QUARANTINE,
    clear_tables,
    encode_csv,
    make_database,
    put_file,
    raw_key,
    record,
)

ARRIVED_MS = 1_546_300_818_123  # the newest row's arrival on the stream, as the batcher's metadata says


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def totals(capsys) -> dict:
    metrics.flush()  # what the handler's middleware does at the end of the invocation
    return Tally().feed_all(capsys.readouterr().out.splitlines()).totals()


def loader(hooks=()) -> Loader:
    return Loader(get_client("s3"), make_database(), QUARANTINE, hooks, clock=lambda: ARRIVED_MS / 1000 + 42.5)


def put_landed(name: str, records: list[dict]) -> str:
    key = raw_key(name)
    get_client("s3").put_object(Bucket=BUCKET, Key=key, Body=encode_csv(records),
                                Metadata={"last_arrival_ms": str(ARRIVED_MS)})
    return key


def test_a_loaded_file_counts_its_rows_seconds_freshness_and_alerts(dsn, capsys):
    key = put_landed("a", [record(card=1), record(card=2), record(card=3, amt="abc")])
    loader(hooks=[lambda cur, context: 2]).load_object(BUCKET, key)
    got = totals(capsys)
    assert {name: got.get(name, 0) for name in ("FilesLoaded", "RowsInserted", "RowsDuplicate", "RowsRejected",
                                         "RowsScored", "AlertsRaised", "FreshnessSeconds")} == \
        {"FilesLoaded": 1, "RowsInserted": 2, "RowsDuplicate": 0, "RowsRejected": 1, "RowsScored": 2,
         "AlertsRaised": 2, "FreshnessSeconds": 42.5}
    assert got["LoadSeconds"] > 0


def test_a_file_loaded_again_is_skipped_and_counts_no_rows(dsn, capsys):
    key = put_landed("b", [record(card=1)])
    loader().load_object(BUCKET, key)
    assert totals(capsys)["FilesLoaded"] == 1
    loader().load_object(BUCKET, key)
    got = totals(capsys)
    assert got["FilesSkipped"] == 1 and "RowsInserted" not in got and "FilesLoaded" not in got


def test_an_unreadable_file_is_a_rejected_file_without_freshness(dsn, capsys):
    loader().load_object(BUCKET, put_file(raw_key("bad"), b"not a raw file\r\n"))
    got = totals(capsys)
    assert got["FilesRejected"] == 1 and "FreshnessSeconds" not in got and "RowsInserted" not in got


def test_the_sweep_counts_the_files_it_recovered(dsn, capsys):
    now = dt.datetime.now(dt.UTC)
    put_file(raw_key("lost", hour=f"{now:%H}", day=f"{now:%Y-%m-%d}"), [record(card=1)])
    Sweeper(get_client("s3"), make_database(), loader(), BUCKET, "raw-data/", 24, 0,
            lambda: now + dt.timedelta(seconds=1)).sweep()
    got = totals(capsys)
    assert (got["FilesRecovered"], got.get("SweepFailures", 0), got["FilesLoaded"]) == (1, 0, 1)
