"""S3 event notifications for raw files: which objects were created, with their keys decoded.

S3 URL-encodes keys in notifications ('+' for a space, '%2B' for '+'). Chalice's S3Event decodes only the
first record's key; `created_objects` reads every record from the raw event. S3 sends its s3:TestEvent (no
Records) to SNS and SQS destinations only, never to a Lambda function, so the handler never sees one (the
local stack's S3 pump drops it from its queue); `created_objects` still reads it as no objects.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

TEST_EVENT = "s3:TestEvent"


def created_objects(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(bucket, key) of each ObjectCreated record; [] for s3:TestEvent. Folder markers are skipped."""
    if event.get("Event") == TEST_EVENT:
        return []
    found = []
    for record in event.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        key = unquote_plus(record["s3"]["object"]["key"])
        if not key.endswith("/"):
            found.append((record["s3"]["bucket"]["name"], key))
    return found
