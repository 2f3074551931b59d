"""S3 event notifications for raw files: which objects were created, with their keys decoded.

S3 URL-encodes keys in notifications ('+' for a space, '%2B' for '+'). Chalice's S3Event decodes only the
first record's key and raises on S3's s3:TestEvent, which has no Records; `RawFileEvent` tolerates it and
`created_objects` reads every record from the raw event.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from chalice.app import S3Event

TEST_EVENT = "s3:TestEvent"


class RawFileEvent(S3Event):
    """chalice's S3Event, except that an event without records (s3:TestEvent) is not an error."""

    def _extract_attributes(self, event_dict: dict[str, Any]) -> None:
        if event_dict.get("Records"):
            super()._extract_attributes(event_dict)
        else:
            self.bucket, self.key = "", ""


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
