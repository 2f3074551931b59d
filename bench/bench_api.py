"""POST /transactions in process: parse, validate, tokenize, serialize 500-record batches, with a
no-op Kinesis client, against a bare json.loads + json.dumps of the same records in the same run.

`api_post_batch_observed` is the same request with what Powertools adds in the app (issue 17): the
invocation's middleware (correlation id, metrics flushed as one EMF line), the request's log line and its
metrics, written to /dev/null as Lambda's stdout would take them. The two entries' difference is the cost of
observability per record."""
from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import time
from types import SimpleNamespace

from chalicelib.ingest.batch import Ingestor, parse_batch
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.ingest.publisher import Publisher
from chalicelib.platform import metrics
from chalicelib.platform.logs import log_event
from chalicelib.platform.observe import invocation, request_answered
from tests.support.factories import make_transaction

BATCH = 500
ROUNDS = 40


class _NoOpKinesis:
    """Answers PutRecords as if every record landed, so only our own code is timed."""

    def put_records(self, StreamName, Records):  # noqa: N803 - boto3's parameter names
        return {"FailedRecordCount": 0, "Records": [{"SequenceNumber": "1", "ShardId": "s"} for _ in Records]}


def _bodies(rng: random.Random) -> list[bytes]:
    bodies = []
    for _ in range(ROUNDS):
        items = [make_transaction(amt=f"{rng.uniform(1, 900):.2f}", zip=str(rng.randint(501, 99950)),
                                  lat=f"{rng.uniform(25, 48):.4f}", merch_long=f"{rng.uniform(-120, -70):.6f}")
                 for _ in range(BATCH)]
        bodies.append(json.dumps({"transactions": items}).encode())
    return bodies


def _best_of(fn, bodies, repeats=3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for body in bodies:
            fn(body)
        best = min(best, time.perf_counter() - started)
    return ROUNDS * BATCH / best


def run() -> list[dict]:
    bodies = _bodies(random.Random(7))
    tokenizer = CardTokenizer(secrets.token_bytes(32))
    ingestor = Ingestor(lambda: tokenizer, Publisher(_NoOpKinesis(), "bench"))

    def handler(body: bytes) -> None:
        result = ingestor.accept(parse_batch(body, 4 * 1024 * 1024, BATCH))
        assert result.accepted == BATCH, result.rejected[:1]

    def baseline(body: bytes) -> None:
        for item in json.loads(body)["transactions"]:
            json.dumps(item, separators=(",", ":"))

    def observed(body: bytes) -> None:
        started = time.perf_counter()
        invocation(_EVENT, lambda event: _answer(handler(body), started))

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        value, base, watched = _best_of(handler, bodies), _best_of(baseline, bodies), _best_of(observed, bodies)
        # The two rates differ by less than this machine's noise: time Powertools' part of a request alone.
        overhead = _powertools_seconds_per_request() * 1e6 / BATCH
    print(f"   api: {value:,.0f} records/s ({1e6 / value:.1f} us/record); with Powertools {watched:,.0f} records/s "
          f"({1e6 / watched:.1f} us/record); Powertools alone {overhead:.2f} us/record at {BATCH} per request; "
          f"bare JSON round trip {base:,.0f} records/s ({1e6 / base:.1f} us/record)")
    return [{"name": "api_post_batch", "value": value, "unit": "records/s", "baseline": base, "ratio": value / base},
            {"name": "api_post_batch_observed", "value": watched, "unit": "records/s", "baseline": base,
             "ratio": watched / base},
            {"name": "api_powertools_per_record", "value": overhead, "unit": "us/record", "baseline": 1e6 / value,
             "ratio": overhead * value / 1e6}]


def _powertools_seconds_per_request(requests: int = 2000, repeats: int = 5) -> float:
    """What Powertools adds to one POST: the ingest's metrics, the middleware, the log line, the request's
    metrics, and the flush of its EMF line."""

    def one() -> None:
        for name, value in (("RecordsAccepted", BATCH), ("RecordsRejected", 0), ("KinesisRecordsFailed", 0)):
            metrics.add(name, value)
        invocation(_EVENT, lambda event: _answer(None, time.perf_counter()))

    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(requests):
            one()
        best = min(best, (time.perf_counter() - started) / requests)
    return best


_EVENT = SimpleNamespace(context=SimpleNamespace(aws_request_id="bench", function_name="bench"))


def _answer(_, started: float) -> None:
    """What app.py's _finish adds to a request: its log line and its metrics."""
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    log_event("request", request_id="bench", path="/transactions", status=202, principal="bench",
              accepted=BATCH, rejected=0, latency_ms=latency_ms)
    request_answered(202, latency_ms)
