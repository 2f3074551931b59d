"""POST /transactions: parse, validate, tokenize and publish a batch, and say what happened to each item."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from chalicelib.dictionary.fields import BY_NAME
from chalicelib.dictionary.validate import validate_transaction
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.ingest.publisher import Entry, Publisher
from chalicelib.platform import metrics
from chalicelib.stream.record import encode_stream_record

_TRANS_NUM_MAX = BY_NAME["trans_num"].length[1]  # a rejected item's trans_num is echoed up to this length


class BadRequest(ValueError):
    """The body cannot be read as one transaction or a batch of them."""


class PayloadTooLarge(ValueError):
    """The body or the batch is over the limit."""


@dataclass
class IngestResult:
    accepted: int = 0
    rejected: list[dict] = field(default_factory=list)
    not_accepted: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"accepted": self.accepted, "rejected": self.rejected}
        if self.not_accepted:
            out["not_accepted"] = self.not_accepted
            out["message"] = "the stream did not take these transactions; resending them is safe"
        return out


def parse_batch(raw: bytes | None, max_bytes: int, max_items: int) -> list[Any]:
    """The list of items in the body: one object, or {"transactions": [...]} of 1..max_items."""
    if raw is not None and len(raw) > max_bytes:
        raise PayloadTooLarge(f"body is over {max_bytes} bytes")
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not valid JSON") from None
    except RecursionError:  # json's C decoder recurses per nesting level: "[" * 5000 gets here, within max_bytes
        raise BadRequest("body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a transaction object or {\"transactions\": [...]}")
    if "transactions" not in body:
        return [body]
    items = body["transactions"]
    if len(body) != 1:
        raise BadRequest("a batch body holds only the key \"transactions\"")
    if not isinstance(items, list):
        raise BadRequest("\"transactions\" must be a list")
    if not items:
        raise BadRequest(f"\"transactions\" must hold 1 to {max_items} items")
    if len(items) > max_items:
        raise PayloadTooLarge(f"\"transactions\" holds {len(items)} items; at most {max_items} per request")
    return items


class Ingestor:
    def __init__(self, tokenizer: Callable[[], CardTokenizer], publisher: Publisher):
        self._tokenizer = tokenizer  # a getter: the key secret is cached with a TTL, not forever
        self._publisher = publisher

    def accept(self, items: list[Any]) -> IngestResult:
        """Validate and tokenize each item, then publish the valid ones keyed by card."""
        result = IngestResult()
        tokenizer = self._tokenizer()
        entries: list[Entry] = []
        for index, item in enumerate(items):
            try:
                record = tokenizer.tokenize(validate_transaction(item))
            except ValidationError as exc:
                result.rejected.append({"index": index, "trans_num": _echo_trans_num(item), "errors": exc.messages})
                continue
            data = encode_stream_record(record)
            entries.append(Entry(record["card_token"], data, record["trans_num"]))
        if entries:
            failed = self._publisher.put(entries)
            result.not_accepted = [e.trans_num for e in failed]
            result.accepted = len(entries) - len(failed)
        _count(result)
        return result


def _count(result: IngestResult) -> None:
    metrics.add("RecordsAccepted", result.accepted)
    metrics.add("RecordsRejected", len(result.rejected))
    metrics.add_by("RecordsRejected", "reason", Counter(reason_class(r["errors"]) for r in result.rejected))


def reason_class(errors: Any) -> str:
    """A rejected item's errors as one class for the metrics: the first that applies of not_an_object,
    unknown_field, missing_field, invalid_value."""
    if not isinstance(errors, dict) or "_schema" in errors:
        return "not_an_object"
    messages = {m for field_messages in errors.values() for m in (field_messages if isinstance(field_messages, list)
                                                                  else [field_messages])}
    for needle, name in (("is not a field", "unknown_field"), ("is required", "missing_field")):
        if any(needle in str(m) for m in messages):
            return name
    return "invalid_value"


def _echo_trans_num(item: Any) -> str | None:
    value = item.get("trans_num") if isinstance(item, dict) else None
    return value if isinstance(value, str) and len(value) <= _TRANS_NUM_MAX else None
