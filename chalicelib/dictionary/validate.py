"""The API's side of the data dictionary: a marshmallow schema built from the table (fields.py).

`TransactionSchema` validates what a merchant sends (with the PAN) and normalizes every value to its canonical
text, the form that travels on the stream, lands in CSV and is parsed by Postgres. `check_stream_record`
checks a tokenized record's shape cheaply. The fields are kinds.py's; the patterns come from patterns.py,
which `make rules` generates from the same table as the SQL rule functions and the OpenAPI schemas.
"""
from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from chalicelib.dictionary import fields as table
from chalicelib.dictionary.fields import FIELD_TABLE, FIELDS, OPTIONAL_FIELDS, STREAM_COLUMNS
from chalicelib.dictionary.kinds import CANONICAL_PATTERNS, field_for


class _TransactionSchema(Schema):
    class Meta:
        unknown = RAISE

    def handle_error(self, error, data, *, many, **kwargs):
        # marshmallow says "Unknown field." without the rule; say which rule so callers can fix it.
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        for name, msgs in messages.items():
            if name not in self.fields and msgs == ["Unknown field."]:
                messages[name] = [table.UNKNOWN]
        raise ValidationError(messages)


# One transaction as a merchant sends it, normalized to canonical text on load: a field per row of the table.
TransactionSchema = _TransactionSchema.from_dict({f.name: field_for(f) for f in FIELD_TABLE if f.api},
                                                 name="TransactionSchema")
_SCHEMA = TransactionSchema()
_FIELD_ITEMS = tuple(_SCHEMA.fields.items())
_FIELD_NAMES = frozenset(FIELDS)
_MISSING = object()


def validate_transaction(item: Any, *, drop_unknown: bool = False) -> dict[str, str]:
    """Canonical record for one transaction, or `ValidationError` whose messages map field -> [rule].

    Same result as `TransactionSchema().load(item)` (a test holds them equal), but it calls the schema's own
    field objects directly: marshmallow's per-load machinery (hooks, getters, partial handling) costs more
    than the rules themselves, and this runs for every record the API takes.
    """
    if type(item) is not dict:
        raise ValidationError({"_schema": [table.NOT_OBJECT]})
    errors: dict[str, list[str]] = {}
    if not drop_unknown and len(item.keys() - _FIELD_NAMES):
        errors = {name: [table.UNKNOWN] for name in item.keys() - _FIELD_NAMES}
    out = {}
    for name, field in _FIELD_ITEMS:
        value = item.get(name, _MISSING)
        if value is _MISSING or value is None:
            if name in OPTIONAL_FIELDS:
                out[name] = ""
            else:
                errors[name] = [table.REQUIRED if value is _MISSING else table.NULL]
            continue
        try:
            # str is what CSV clients send: skip marshmallow's dispatch in the common case
            out[name] = field.canonical(value.strip()) if type(value) is str else field.deserialize(value, name, item)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return out


def check_stream_record(record: Any) -> str | None:
    """Why a tokenized record is not canonical, or None when it is. Cheap enough for the batcher's hot loop."""
    if isinstance(record, list):
        return f"record holds {len(record)} values, not the {len(STREAM_COLUMNS)} stream columns"
    if not isinstance(record, dict):
        return "record is not a JSON object or array"
    if len(record) != len(STREAM_COLUMNS) or record.keys() != _STREAM_KEYS:
        return f"field set differs: {sorted(set(record) ^ _STREAM_KEYS)}"
    for name, pattern in _PATTERN_ITEMS:
        value = record[name]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return f"{name}: not canonical"
    return None


_STREAM_KEYS = frozenset(STREAM_COLUMNS)
_PATTERN_ITEMS = tuple((c, CANONICAL_PATTERNS[c]) for c in STREAM_COLUMNS)
