"""The real local stack (`python -m infra.local up`) under fire, in this order: schemathesis fuzzing with and
without a token, a replay of clean and spreadsheet-mangled rows, the card-data leak scan of everything the
run left behind, and a hard kill mid-stream followed by a restart and the client's resend.

Bounded here (FUZZ_EXAMPLES per operation, default 25); `make fuzz` runs it with many more.
"""
import contextlib
import csv
import io
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest

from client.generate import write_csv
from client.pacing import RetryPolicy
from client.replay import replay
from infra.local import observe
from tests.support.leakscan import card_numbers_sent, pg_dump, s3_blobs, scan, stream_blobs

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
SUPPORT_DIR = PROJECT_DIR / "tests" / "support"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = os.environ.get("FUZZ_SEED", "1")  # fixed in `make test` (reproducible); `make fuzz` varies it
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "negative_data_rejection,ignored_auth,unsupported_method")
MANGLED_CSV_ROWS = [  # (cc_num, trans_date_trans_time) as spreadsheets leave them
    ("2.70319E+15", "2019-01-01 00:00:18"), ("4532015112830366", "01-01-2019 00:00"),
    ("4532015112830366", "21/06/2019 12:14"), ("4.53201511283037e+15", "2019-01-01 00:00:18"),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return tmp_path_factory.mktemp("schemathesis")


def _schemathesis(stack, report: Path, token: str | None, examples: int) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).with_name("st")), "--config-file", str(SUPPORT_DIR / "schemathesis.toml"),
           "run", f"{stack.info['api_url']}/openapi.json",
           "--url", stack.info["api_url"], "--checks", CHECKS, "--max-examples", str(examples),
           "--seed", FUZZ_SEED, "--workers", "2", "--report", "har", "--report-har-path", str(report),
           "--warnings", "off", "--request-timeout", "30"]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(SUPPORT_DIR / "schemathesis_hooks.py")}
    return subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900)


def _requests(har: Path) -> int:
    return len(json.loads(har.read_text())["log"]["entries"])


def test_fuzzing_with_a_token_finds_no_server_error_schema_mismatch_or_accepted_invalid_data(stack, reports):
    done = _schemathesis(stack, reports / "with-token.har", stack.info["token"], FUZZ_EXAMPLES)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    sent = _requests(reports / "with-token.har")
    assert sent >= 2 * FUZZ_EXAMPLES  # /health and /openapi.json have no input: they need few
    print(f"\nschemathesis with a token: {sent} requests, no failure")


def test_fuzzing_without_a_token_reaches_nothing_but_the_public_routes(stack, reports):
    # Every guarded route answers 401 before looking at the request, so fewer examples cover it.
    done = _schemathesis(stack, reports / "no-token.har", None, max(5, FUZZ_EXAMPLES // 3))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    entries = json.loads((reports / "no-token.har").read_text())["log"]["entries"]
    guarded = [e for e in entries if not e["request"]["url"].split("?")[0].endswith(("/health", "/openapi.json"))]
    preflight = [e for e in guarded if e["request"]["method"] == "OPTIONS"]  # CORS preflight: headers only
    statuses = {e["response"]["status"] for e in guarded if e not in preflight}
    assert statuses and statuses <= {401, 403, 405, 501}  # 405/501: methods the routes do not have
    assert all(not e["response"]["content"].get("text") for e in preflight)
    print(f"\nschemathesis without a token: {len(entries)} requests, no failure")


def _mangled_sample(tmp_path: Path, rows: int) -> Path:
    """A generated sample with spreadsheet-mangled rows mixed in (each with its own trans_num)."""
    path = tmp_path / "sample.csv"
    write_csv(path, rows, seed=77)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    card, when, trans = header.index("cc_num"), header.index("trans_date_trans_time"), header.index("trans_num")
    extra = []
    for n, (cc_num, stamp) in enumerate(MANGLED_CSV_ROWS):
        row = next(csv.reader([lines[1 + n]]))
        row[card], row[when], row[trans] = cc_num, stamp, f"mangled{n:04d}"
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(row)
        extra.append(out.getvalue())
    path.write_text("\n".join(lines + extra) + "\n")
    return path


@pytest.fixture(scope="module")
def replayed(stack, tmp_path_factory):
    sample = _mangled_sample(tmp_path_factory.mktemp("leak"), 1000)
    result = stack.replay(sample)
    missing = observe.wait_for_rows(stack.dsn, sorted(result.accepted_at))
    return sample, result, missing


def test_mangled_rows_are_refused_with_reasons_and_the_rest_is_stored(stack, replayed):
    _, result, missing = replayed
    assert (result.accepted, missing) == (1000, set())
    assert sorted(r.trans_num for r in result.rejected) == [f"mangled{n:04d}" for n in range(len(MANGLED_CSV_ROWS))]
    assert all(r.errors for r in result.rejected)
    assert observe.missing_rows(stack.dsn, [r.trans_num for r in result.rejected]) == {
        r.trans_num for r in result.rejected}


def _sent_card_numbers(sample: Path, reports: Path) -> set[str]:
    with open(sample, newline="") as fh:
        from_replay = {row["cc_num"] for row in csv.DictReader(fh) if row["cc_num"].isdigit()}
    return from_replay | {pan for har in reports.glob("*.har") for pan in card_numbers_sent(har)}


def test_no_card_number_sent_is_in_s3_the_stream_the_logs_or_the_database(stack, replayed, reports):
    sample, result, _ = replayed
    pans = _sent_card_numbers(sample, reports)
    aws = {"endpoint_url": stack.info["aws_endpoint_url"], "region_name": "us-east-1",
           "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    objects = list(s3_blobs(boto3.client("s3", **aws), stack.info["bucket"]))
    records = list(stream_blobs(boto3.client("kinesis", **aws), stack.info["stream"]))
    logs = [("stack log", stack.process.log_path.read_bytes())]
    dump = [("pg_dump", pg_dump(stack.dsn))]
    # The scan sees what it should: files, records, log lines and rows of this run, with the last four digits.
    assert len(objects) > 1 and len(records) >= 1000 and b'"event":"request"' in logs[0][1]
    assert all(t.encode() in dump[0][1] for t in list(result.accepted_at)[:50])
    assert scan(pans, [("planted", b"x" + next(iter(pans)).encode() + b"x")]) != []  # the scan can find one
    assert len(pans) >= 100  # the sample's cards (about one per eight rows) and the fuzzers' valid ones

    assert scan(pans, objects + records + logs + dump) == []
    print(f"\nleak scan: {len(pans)} card numbers x ({len(objects)} S3 objects and payloads, {len(records)} stream "
          f"records, {len(logs[0][1]):,} log bytes, {len(dump[0][1]):,} pg_dump bytes): 0 hits")


def _sample_trans_nums(path: Path) -> list[str]:
    with open(path, newline="") as fh:
        return [row["trans_num"] for row in csv.DictReader(fh)]


def _wait_until_stored(dsn: str, trans_nums: list[str], at_least: int, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored = len(trans_nums) - len(observe.missing_rows(dsn, trans_nums))
        if stored >= at_least:
            return stored
        time.sleep(0.1)
    return stored


def test_a_hard_kill_mid_stream_loses_only_unloaded_rows_and_the_clients_resend_stores_each_once(stack,
                                                                                              tmp_path):
    sample = tmp_path / "kill.csv"
    write_csv(sample, 600, seed=505)
    every = _sample_trans_nums(sample)
    impatient = RetryPolicy(max_attempts=2, base_delay=0.1, max_delay=0.2)
    with ThreadPoolExecutor(1) as pool:  # the client is still sending when the stack dies
        sending = pool.submit(replay, sample, stack.info["api_url"], stack.info["token"], batch_size=25,
                              concurrency=1, rate=150, retry=impatient)
        loaded_before = _wait_until_stored(stack.dsn, every, at_least=1)
        stack.process.kill()  # SIGKILL: no drain. moto's memory (the stream, unloaded files) goes with it
        first = sending.result()
    accepted = sorted(first.accepted_at)
    lost = observe.missing_rows(stack.dsn, accepted)
    assert loaded_before >= 1 and first.undelivered  # it really was mid-stream: some stored, some never sent

    stack.start()
    again = stack.replay(sample)  # what a client does when it cannot tell what was kept: resend, safely
    assert again.accepted == 600
    assert observe.wait_for_rows(stack.dsn, every) == set()
    with contextlib.closing(observe.connect(stack.dsn)) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM card_transaction WHERE trans_num = ANY(%s)", (every,))
        assert cur.fetchone()[0] == 600
    # What a hard kill costs, shown with -s: rows accepted but not yet loaded when moto's memory went.
    print(f"\nhard kill: {len(accepted)} accepted before the kill, {len(accepted) - len(lost)} of them stored, "
          f"{len(lost)} lost with the emulator's memory, {len(first.undelivered)} never delivered; "
          "the resend stored all 600 once")
