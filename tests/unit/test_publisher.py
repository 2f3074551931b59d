"""PutRecords partial failures: exactly the failed entries are resent, with bounded backoff."""
import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.ingest.publisher import Entry, Publisher

STREAM = "cardstream-test"


@pytest.fixture
def kinesis():
    client = boto3.client("kinesis", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def entries(n: int) -> list[Entry]:
    return [Entry(f"{i:064x}", b'{"n":%d}' % i, f"t{i}") for i in range(n)]


def expect_put(stubber, sent: list[Entry], failed_indexes: set[int]):
    records = [{"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"}
               if i in failed_indexes else {"SequenceNumber": str(1000 + i), "ShardId": "shardId-000000000000"}
               for i in range(len(sent))]
    response = {"Records": records}
    if failed_indexes:  # the service omits a zero count; botocore's stub validation refuses 0
        response["FailedRecordCount"] = len(failed_indexes)
    stubber.add_response(
        "put_records",
        response,
        {"StreamName": STREAM, "Records": [{"Data": e.data, "PartitionKey": e.partition_key} for e in sent]},
    )


def make_publisher(client, sleeps, attempts=4):
    return Publisher(client, STREAM, max_attempts=attempts, base_delay=0.1, sleep=sleeps.append)


def test_all_accepted_first_time_sends_once(kinesis):
    client, stubber = kinesis
    batch, sleeps = entries(3), []
    expect_put(stubber, batch, set())
    assert make_publisher(client, sleeps).put(batch) == []
    assert sleeps == []


def test_only_the_failed_entries_are_resent(kinesis):
    client, stubber = kinesis
    batch, sleeps = entries(5), []
    expect_put(stubber, batch, {1, 3})
    expect_put(stubber, [batch[1], batch[3]], {1})
    expect_put(stubber, [batch[3]], set())
    assert make_publisher(client, sleeps).put(batch) == []
    assert len(sleeps) == 2


def test_backoff_is_bounded_exponential_with_jitter(kinesis):
    client, stubber = kinesis
    batch, sleeps = entries(1), []
    for _ in range(4):
        expect_put(stubber, batch, {0})
    make_publisher(client, sleeps).put(batch)
    assert len(sleeps) == 3
    assert all(0 <= s <= 0.1 * 2 ** (i + 1) for i, s in enumerate(sleeps))


def test_entries_still_failing_after_all_attempts_are_returned(kinesis):
    client, stubber = kinesis
    batch, sleeps = entries(4), []
    expect_put(stubber, batch, {0, 2})
    expect_put(stubber, [batch[0], batch[2]], {1})
    expect_put(stubber, [batch[2]], {0})
    assert make_publisher(client, sleeps, attempts=3).put(batch) == [batch[2]]


def test_a_throttled_call_is_retried_whole(kinesis):
    client, stubber = kinesis
    batch, sleeps = entries(2), []
    stubber.add_client_error("put_records", "ProvisionedThroughputExceededException")
    expect_put(stubber, batch, set())
    assert make_publisher(client, sleeps).put(batch) == []


def test_batches_over_500_are_split_into_calls_of_500(kinesis):
    client, stubber = kinesis
    batch = entries(600)
    expect_put(stubber, batch[:500], set())
    expect_put(stubber, batch[500:], set())
    assert make_publisher(client, []).put(batch) == []


def test_api_answers_503_when_put_records_keeps_failing(aws, auth_headers):
    """The 503 path end to end: the route's publisher gets a stubbed client that always throttles."""
    import json

    from chalice.test import Client

    from app import app
    from chalicelib import runtime
    from chalicelib.platform.clients import get_client
    from tests.support.factories import make_transaction

    items = [make_transaction() for _ in range(3)]
    with Client(app, stage_name="test") as api, Stubber(get_client("kinesis")) as stubber:
        for _ in range(runtime.get_settings().put_max_attempts):
            stubber.add_client_error("put_records", "ProvisionedThroughputExceededException")
        response = api.http.post("/transactions", headers=auth_headers, body=json.dumps({"transactions": items}))
    assert response.status_code == 503
    assert json.loads(response.body)["not_accepted"] == [i["trans_num"] for i in items]


def test_resent_and_finally_failed_entries_are_counted_as_metrics(kinesis, capsys):
    from chalicelib.platform import metrics
    from infra.local.metrics_tally import Tally

    client, stubber = kinesis
    metrics.clear()  # what an earlier test left unflushed
    batch, sleeps = entries(4), []
    expect_put(stubber, batch, {0, 2})
    expect_put(stubber, [batch[0], batch[2]], {0})
    assert make_publisher(client, sleeps, attempts=2).put(batch) == [batch[0]]
    metrics.flush()
    totals = Tally().feed_all(capsys.readouterr().out.splitlines()).totals()
    assert (totals["KinesisRecordsRetried"], totals["KinesisRecordsFailed"]) == (2, 1)
