"""The loader's entry points: the S3 event handler (keys decoded, test events ignored) and the recovery sweep."""
import datetime as dt
from urllib.parse import quote_plus

import pytest

from chalicelib.load.sweep import Sweeper
from tests.support.env import stage_env
from tests.support.rawfiles import BUCKET, clear_tables, make_database, make_loader, put_file, query, raw_key, record


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def s3_event(encoded_key: str, event_name: str = "ObjectCreated:Put") -> dict:
    """A Lambda S3 notification as S3 sends it: the key URL-encoded, '+' for a space."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2019-01-01T00:00:20.000Z", "eventName": event_name,
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "raw-files",
               "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
               "object": {"key": encoded_key, "size": 1, "eTag": "0", "sequencer": "0A1B2C3D4E5F678901"}},
    }]}


def ledger_keys(dsn) -> list[str]:
    return [k for (k,) in query(dsn, "SELECT key FROM ingest_file ORDER BY key")]


def test_the_event_handler_loads_a_key_with_a_space_and_a_plus(dsn):
    from app import on_raw_file

    key = put_file(raw_key("shard a+b"), [record(card=1)])

    on_raw_file(s3_event(quote_plus(key, safe="/")), None)

    assert ledger_keys(dsn) == [key]  # decoded once: 'a+b' stays a plus, '+' in the event was the space


def test_an_s3_test_event_loads_nothing(dsn):
    """S3 sends s3:TestEvent to queues and topics only, never to a Lambda function; should one be replayed by
    hand through the loader, it names no object."""
    from chalicelib import runtime

    assert runtime.load_raw_files({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2019-01-01T00:00:00.000Z",
                                   "Bucket": BUCKET, "RequestId": "5582815E1AEA5ADF",
                                   "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3e"}) == []

    assert ledger_keys(dsn) == []


def test_a_folder_marker_is_not_a_file(dsn):
    from app import on_raw_file

    put_file("raw-data/dt=2019-01-01/", b"")

    on_raw_file(s3_event("raw-data/dt%3D2019-01-01/"), None)

    assert ledger_keys(dsn) == []


NOW = dt.datetime.now(dt.UTC)


def sweeper(lookback_hours=24, min_age_seconds=0, now=None) -> Sweeper:
    from chalicelib.platform.clients import get_client

    clock = (lambda: now) if now else (lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    return Sweeper(get_client("s3"), make_database(), make_loader(), BUCKET, "raw-data/",
                   lookback_hours, min_age_seconds, clock)


def this_hour(name: str) -> str:
    return raw_key(name, hour=f"{NOW:%H}", day=f"{NOW:%Y-%m-%d}")


def test_the_sweep_loads_a_file_whose_event_never_came(dsn):
    key = put_file(this_hour("lost"), [record(card=1), record(card=2)])

    result = sweeper().sweep()

    assert (result.listed, result.missing) == (1, 1)
    assert [(r.key, r.status, r.rows_inserted) for r in result.results] == [(key, "loaded", 2)]
    assert ledger_keys(dsn) == [key]


def test_the_sweep_leaves_files_the_ledger_has_seen(dsn):
    loaded = put_file(this_hour("loaded"), [record(card=1)])
    rejected = put_file(this_hour("rejected"), b"not a raw file\r\n")
    make_loader().load_object(BUCKET, loaded)
    make_loader().load_object(BUCKET, rejected)

    result = sweeper().sweep()

    assert (result.listed, result.missing, result.results) == (2, 0, [])


def test_the_sweep_leaves_files_too_young_for_their_event_and_older_than_the_window(dsn):
    put_file(this_hour("young"), [record(card=1)])
    put_file(raw_key("old", day="2019-01-01"), [record(card=2)])

    result = sweeper(min_age_seconds=600).sweep()

    assert (result.listed, result.missing) == (0, 0)
    assert ledger_keys(dsn) == []


@pytest.fixture
def no_min_age():
    with stage_env(SWEEP_MIN_AGE_SECONDS="0"):
        yield


def test_the_scheduled_handler_runs_the_sweep(dsn, no_min_age):
    from app import sweep_raw_files

    key = put_file(this_hour("lost"), [record(card=1)])

    sweep_raw_files({"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
                     "source": "aws.events", "account": "123456789012", "time": f"{NOW:%Y-%m-%dT%H:%M:%SZ}",
                     "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/sweep"],
                     "detail": {}}, None)

    assert ledger_keys(dsn) == [key]
