"""Faults between the API and PostgreSQL, each ending with: every accepted row stored once, none twice.

The pipeline runs in this process on moto and the test PostgreSQL: the app behind real HTTP for the
client, the batcher on what the stream really holds, the loader on what S3 really holds.
"""
import threading

import pytest

from chalicelib import runtime
from chalicelib.platform.clients import get_client
from chalicelib.platform.settings import get_settings
from chalicelib.stream.landing import StreamLanding
from client.generate import write_csv
from client.pacing import RetryPolicy
from client.replay import replay
from tests.support.env import API_TOKENS, TEST_ENV
from tests.support.factories import make_transaction
from tests.support.faults import PutRecordsFaults, failing_puts, serve_app, stream_event
from tests.support.rawfiles import BUCKET, clear_tables, make_loader, query

STREAM = TEST_ENV["STREAM_NAME"]
FAST_RETRY = RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def _replay(tmp_path, rows: int, batch_size: int = 20):
    from app import app

    sample = tmp_path / "sample.csv"
    write_csv(sample, rows, seed=7)
    with serve_app(app) as url:
        return replay(sample, url, API_TOKENS["merchant-a"], batch_size=batch_size, concurrency=1, retry=FAST_RETRY)


def _landing(s3=None, max_bytes: int = 4096) -> StreamLanding:
    settings = get_settings()
    return StreamLanding(s3 or get_client("s3"), settings.bucket_name, settings.raw_prefix,
                         settings.quarantine_prefix, max_bytes, 3600.0)


def _raw_keys() -> list[str]:
    pages = get_client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="raw-data/")
    return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def _objects() -> dict[str, str]:
    pages = get_client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {obj["Key"]: obj["ETag"] for page in pages for obj in page.get("Contents", [])}


def _load_all() -> list:
    loader = make_loader()
    return [loader.load_object(BUCKET, key) for key in _raw_keys()]


def _stored(dsn) -> list[str]:
    return [row[0] for row in query(dsn, "SELECT trans_num FROM card_transaction ORDER BY trans_num")]


def _inserted_total(dsn) -> int:
    return query(dsn, "SELECT coalesce(sum(rows_inserted), 0) FROM ingest_file")[0][0]


def _post(api, auth_headers, rows):
    import json

    response = api.http.post("/transactions", headers=auth_headers, body=json.dumps({"transactions": rows}))
    assert response.status_code == 202
    return rows


# ---- Kinesis PutRecords throttled at the API, then the client resends -----------------------------------------

def test_throttled_entries_are_resent_by_the_client_and_every_row_is_stored_once(dsn, tmp_path):
    kinesis = get_client("kinesis")
    runtime.ingestor()  # the API's Kinesis client is this one: the faults go in on it
    # Every third entry of the first 12 PutRecords calls is throttled: more than the API's own 5 attempts,
    # so some requests end in 503 with not_accepted, and the client resends just those rows.
    with PutRecordsFaults(kinesis, drop=lambda i, call: call <= 12 and i % 3 == 0) as faults:
        result = _replay(tmp_path, rows=60)

    assert (result.accepted, result.undelivered, result.rejected) == (60, [], [])
    assert faults.failed_entries > 0 and max(b.attempts for b in result.batches) > 1
    _landing().land_event(stream_event(kinesis, STREAM))
    _load_all()
    assert _stored(dsn) == sorted(result.sent_trans_nums)
    assert _inserted_total(dsn) == 60


def test_entries_written_but_reported_failed_reach_the_stream_twice_and_are_stored_once(dsn, tmp_path):
    kinesis = get_client("kinesis")
    runtime.ingestor()
    with PutRecordsFaults(kinesis, drop=lambda i, call: call <= 12 and i % 4 == 1, ghost=True):
        result = _replay(tmp_path, rows=40)

    event = stream_event(kinesis, STREAM)
    assert len(event["Records"]) > 40  # the resent rows are on the stream twice
    _landing().land_event(event)
    loads = _load_all()
    assert _stored(dsn) == sorted(result.sent_trans_nums)
    assert (_inserted_total(dsn), sum(r.rows_duplicate for r in loads)) == (40, len(event["Records"]) - 40)


# ---- S3 PutObject failing for the batcher ---------------------------------------------------------------------

def test_a_put_object_failure_mid_batch_raises_and_the_retried_batch_lands_every_row_once(dsn, api, auth_headers):
    rows = _post(api, auth_headers, [make_transaction() for _ in range(60)])
    event = stream_event(get_client("kinesis"), STREAM)

    with pytest.raises(Exception, match="SlowDown"):
        _landing(failing_puts(get_client("s3"), fail_calls={2})).land_event(event)
    written_before_the_failure = _objects()
    _load_all()  # the files that did land are loaded at once (their S3 events fire)

    _landing().land_event(event)  # Kinesis retries the whole batch
    assert written_before_the_failure.items() <= _objects().items()  # rewritten byte for byte: same ETags
    loads = _load_all()
    assert {r.status for r in loads} == {"loaded", "skipped"}
    assert _stored(dsn) == sorted(r["trans_num"] for r in rows)
    assert _inserted_total(dsn) == 60


def test_s3_failing_on_every_attempt_keeps_the_batch_on_the_stream(dsn, api, auth_headers):
    _post(api, auth_headers, [make_transaction() for _ in range(10)])
    event = stream_event(get_client("kinesis"), STREAM)
    for _ in range(3):
        with pytest.raises(Exception, match="SlowDown"):
            _landing(failing_puts(get_client("s3"), fail_calls=set(range(1, 100)))).land_event(event)
    assert _objects() == {}  # nothing acknowledged, nothing half-written: the records wait on the stream
    _landing().land_event(event)
    _load_all()
    assert len(_stored(dsn)) == 10


# ---- duplicate deliveries ---------------------------------------------------------------------------------------

def test_the_same_kinesis_batch_delivered_twice_writes_the_same_objects_and_stores_each_row_once(dsn, api,
                                                                                              auth_headers):
    rows = _post(api, auth_headers, [make_transaction() for _ in range(50)])
    event = stream_event(get_client("kinesis"), STREAM)

    _landing().land_event(event)
    first = _objects()
    _load_all()
    _landing().land_event(event)

    assert _objects() == first
    assert {r.status for r in _load_all()} == {"skipped"}
    assert _stored(dsn) == sorted(r["trans_num"] for r in rows)


def test_a_retry_that_delivers_a_longer_batch_counts_the_overlap_as_duplicates(dsn, api, auth_headers):
    _post(api, auth_headers, [make_transaction() for _ in range(30)])
    event = stream_event(get_client("kinesis"), STREAM)
    # A Lambda batch holds one shard's records: the first delivery is a strict prefix of the busiest shard's,
    # so the retry's file for that shard holds more records (another key) and repeats the prefix.
    by_shard: dict[str, list] = {}
    for record in event["Records"]:
        by_shard.setdefault(record["eventID"].partition(":")[0], []).append(record)
    busiest = max(by_shard.values(), key=len)
    shorter = {"Records": busiest[: len(busiest) // 2]}
    assert 0 < len(shorter["Records"]) < len(busiest)

    _landing().land_event(shorter)
    _load_all()
    _landing().land_event(event)  # the retry brings more records: files cut elsewhere, new keys
    loads = _load_all()

    assert len(_stored(dsn)) == 30
    assert sum(r.rows_inserted for r in loads) == 30 - len(shorter["Records"])
    assert any(r.rows_duplicate for r in loads)  # a record in two files: counted, not stored twice


def _s3_event(key: str) -> dict:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        return client.events.generate_s3_event(bucket=BUCKET, key=key)


def test_the_same_s3_event_delivered_three_times_loads_the_file_once(dsn, api, auth_headers):
    rows = _post(api, auth_headers, [make_transaction() for _ in range(20)])
    _landing(max_bytes=1 << 20).land_event(stream_event(get_client("kinesis"), STREAM))
    keys = _raw_keys()

    for key in keys:
        for _ in range(3):
            api.lambda_.invoke("on_raw_file", _s3_event(key))

    assert query(dsn, "SELECT key, status FROM ingest_file ORDER BY key") == [(key, "loaded") for key in keys]
    assert _inserted_total(dsn) == 20
    assert _stored(dsn) == sorted(r["trans_num"] for r in rows)


def test_the_same_s3_event_delivered_three_times_at_once_loads_the_file_once(dsn, api, auth_headers):
    _post(api, auth_headers, [make_transaction() for _ in range(200)])
    _landing(max_bytes=1 << 20).land_event(stream_event(get_client("kinesis"), STREAM))
    key = max(_raw_keys(), key=lambda k: int(k.rsplit("-", 2)[1]))  # the file with the most rows
    results, start = [], threading.Barrier(3)

    def deliver():
        loader = make_loader()  # three Lambda containers: three connections
        start.wait()
        results.append(loader.load_object(BUCKET, key))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(r.status for r in results) == ["loaded", "skipped", "skipped"]
    [(files, inserted)] = query(dsn, "SELECT count(*), sum(rows_inserted) FROM ingest_file")
    assert files == 1 and inserted == len(_stored(dsn)) == max(r.rows_inserted for r in results) > 0
