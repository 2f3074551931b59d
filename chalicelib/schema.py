"""The Sparkov data dictionary: the single source of truth for a transaction's fields and rules.

`TransactionSchema` validates what a merchant sends (with the PAN) and normalizes every value to
its canonical text, the form that travels on the stream, lands in CSV and is parsed by Postgres.
`STREAM_COLUMNS` is the tokenized column order (card_token/cc_last4 in place of cc_num) used for the
stream records and the CSV files; `CANONICAL_PATTERNS` checks a tokenized record cheaply.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields

FIELDS = (
    "trans_date_trans_time", "cc_num", "merchant", "category", "amt", "first", "last", "gender",
    "street", "city", "state", "zip", "lat", "long", "city_pop", "job", "dob", "trans_num",
    "unix_time", "merch_lat", "merch_long", "is_fraud",
)
OPTIONAL_FIELDS = frozenset({"is_fraud"})
STREAM_COLUMNS = tuple(c for f in FIELDS for c in (("card_token", "cc_last4") if f == "cc_num" else (f,)))

AMT_MAX = Decimal("1000000.00")
CITY_POP_MAX = 100_000_000
UNIX_TIME_MAX = 10**11
DOB_MIN = dt.date(1900, 1, 1)
TEXT_MAX = {"merchant": 200, "category": 40, "first": 100, "last": 100, "street": 200, "city": 100, "job": 200}
COORD_LIMITS = {"lat": 90, "merch_lat": 90, "long": 180, "merch_long": 180}
COORD_DECIMALS = 6  # numeric(9,6) in Postgres; the data set carries float noise beyond it

_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f]+")
# JSON can carry a lone surrogate ("\ud800"): Python takes it as text, but it cannot be encoded as UTF-8.
# The API refuses it (the batcher, reading the stream, quarantines one with its own reason).
_INPUT_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]+")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
# Digits are [0-9], never \d: \d also matches other scripts' digits (Arabic-Indic, fullwidth), which
# int() and Decimal() accept but ASCII-only code downstream (the tokenizer, Postgres) does not.
_DIGITS_RE = re.compile(r"[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_UNSIGNED_RE = re.compile(r"\+?0*([0-9]+)")  # one optional sign; leading zeros dropped
_SCI_RE = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?[eE][+-]?[0-9]+")
_TRANS_NUM_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DATETIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STATE_RE = re.compile(r"[A-Z]{2}")
_CATEGORY_RE = re.compile(r"[a-z][a-z0-9_]*")

CANONICAL_PATTERNS: dict[str, re.Pattern] = {
    "trans_date_trans_time": _DATETIME_RE,
    "card_token": re.compile(r"[0-9a-f]{64}"),
    "cc_last4": re.compile(r"[0-9]{4}"),
    "merchant": _TEXT_RE, "first": _TEXT_RE, "last": _TEXT_RE, "street": _TEXT_RE, "city": _TEXT_RE,
    "job": _TEXT_RE,
    "category": _CATEGORY_RE,
    "amt": re.compile(r"[0-9]{1,7}\.[0-9]{2}"),
    "gender": re.compile(r"[MF]"),
    "state": _STATE_RE,
    "zip": re.compile(r"[0-9]{5}"),
    "lat": re.compile(r"-?[0-9]{1,2}\.[0-9]{6}"), "merch_lat": re.compile(r"-?[0-9]{1,2}\.[0-9]{6}"),
    "long": re.compile(r"-?[0-9]{1,3}\.[0-9]{6}"), "merch_long": re.compile(r"-?[0-9]{1,3}\.[0-9]{6}"),
    "city_pop": re.compile(r"[0-9]{1,9}"),
    "dob": _DATE_RE,
    "trans_num": _TRANS_NUM_RE,
    "unix_time": re.compile(r"[0-9]{1,11}"),
    "is_fraud": re.compile(r"[01]?"),
}


_DOUBLED = str.maketrans("0123456789", "0246813579")  # each digit doubled, digits of the result summed


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    undoubled, doubled = digits[-1::-2], digits[-2::-2].translate(_DOUBLED)
    return (sum(map(int, undoubled)) + sum(map(int, doubled))) % 10 == 0


def _as_text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValidationError("must be a string or a number")
    return value.strip() if isinstance(value, str) else str(value)


class _Canonical(fields.Field):
    """A field that turns its input into canonical text or raises a message naming the rule."""

    default_error_messages = {"required": "is required", "null": "may not be null"}
    numbers_allowed = True  # False for text, codes and dates: a JSON number there means shifted columns

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.numbers_allowed and type(value) is not str:
            raise ValidationError("must be a string")
        return self.canonical(_as_text(value))

    def canonical(self, text: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


class Text(_Canonical):
    numbers_allowed = False

    def __init__(self, max_len: int, pattern: re.Pattern = _INPUT_TEXT_RE, rule: str = "", **kw):
        super().__init__(**kw)
        self.max_len, self.pattern, self.rule = max_len, pattern, rule

    def canonical(self, text):
        if not text:
            raise ValidationError("must not be empty")
        if len(text) > self.max_len:
            raise ValidationError(f"must be at most {self.max_len} characters")
        if not self.pattern.fullmatch(text):
            if self.pattern is _INPUT_TEXT_RE and _SURROGATE_RE.search(text):
                raise ValidationError("must be valid Unicode: a lone surrogate (\\ud800-\\udfff) is not")
            raise ValidationError(self.rule or "must not contain control characters")
        return text


class CardNumber(_Canonical):
    def canonical(self, text):
        if _SCI_RE.fullmatch(text):
            raise ValidationError("is in scientific notation (spreadsheet-mangled): the card number is lost")
        if not _DIGITS_RE.fullmatch(text) or not 11 <= len(text) <= 19:
            raise ValidationError("must be 11 to 19 digits")
        if not luhn_valid(text):
            raise ValidationError("fails the Luhn check")
        return text


class Money(_Canonical):
    def canonical(self, text):
        amount = _parse_decimal(text)
        if amount < 0:
            raise ValidationError("must be >= 0")
        if amount > AMT_MAX:
            raise ValidationError(f"must be <= {AMT_MAX}")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError("must have at most 2 decimals")
        return f"{abs(amount):.2f}"  # abs: "-0" is >= 0 but would print as "-0.00", which is not canonical


class Coordinate(_Canonical):
    def __init__(self, limit: int, **kw):
        super().__init__(**kw)
        self.limit = limit

    def canonical(self, text):
        value = _parse_decimal(text)
        if not -self.limit <= value <= self.limit:
            raise ValidationError(f"must be between -{self.limit} and {self.limit}")
        return f"{value:.{COORD_DECIMALS}f}"


class Integer(_Canonical):
    def __init__(self, maximum: int, **kw):
        super().__init__(**kw)
        self.maximum = maximum

    def canonical(self, text):
        match = _UNSIGNED_RE.fullmatch(text)
        if not match:
            raise ValidationError("must be a whole number >= 0")
        digits = match.group(1)
        # Length first: int() refuses strings over 4,300 digits with a ValueError, not a verdict.
        if len(digits) > len(str(self.maximum)) or int(digits) > self.maximum:
            raise ValidationError(f"must be <= {self.maximum}")
        return str(int(digits))


class Zip(_Canonical):
    def canonical(self, text):
        if not _DIGITS_RE.fullmatch(text) or len(text) > 5:
            raise ValidationError("must be 1 to 5 digits")
        return text.zfill(5)


class Timestamp(_Canonical):
    numbers_allowed = False

    def canonical(self, text):
        if not _DATETIME_RE.fullmatch(text):
            raise ValidationError("must be YYYY-MM-DD HH:MM:SS")
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError("is not a real date and time") from None
        return text


class BirthDate(_Canonical):
    numbers_allowed = False

    def canonical(self, text):
        if not _DATE_RE.fullmatch(text):
            raise ValidationError("must be YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError("is not a real date") from None
        if text > _today_iso():
            raise ValidationError("must not be in the future")
        if day < DOB_MIN:
            raise ValidationError(f"must be on or after {DOB_MIN}")
        return text


class Label(_Canonical):
    _VALUES = {"0": "0", "1": "1", "false": "0", "true": "1", "": ""}

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # null means "no label yet", the same as an absent field
        return "" if value is None else super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        return self.canonical(_as_text(value))

    def canonical(self, text):
        text = text.lower()
        if text not in self._VALUES:
            raise ValidationError("must be 0, 1, true or false")
        return self._VALUES[text]


_today_cache: list = [0.0, ""]


def _today_iso() -> str:
    """Today's date as ISO text, recomputed at most once a minute (the per-record cost matters)."""
    now = time.time()
    if now - _today_cache[0] > 60:
        _today_cache[:] = [now, dt.date.today().isoformat()]
    return _today_cache[1]


def _parse_decimal(text: str) -> Decimal:
    if not _DECIMAL_RE.fullmatch(text):
        raise ValidationError("must be a decimal number")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise ValidationError("must be a decimal number") from None


class TransactionSchema(Schema):
    """One transaction as a merchant sends it, normalized to canonical text on load."""

    class Meta:
        unknown = RAISE

    trans_date_trans_time = Timestamp(required=True)
    cc_num = CardNumber(required=True)
    merchant = Text(TEXT_MAX["merchant"], required=True)
    category = Text(TEXT_MAX["category"], _CATEGORY_RE, "must be lower-case letters, digits and _", required=True)
    amt = Money(required=True)
    first = Text(TEXT_MAX["first"], required=True)
    last = Text(TEXT_MAX["last"], required=True)
    gender = Text(1, re.compile(r"[MF]"), "must be M or F", required=True)
    street = Text(TEXT_MAX["street"], required=True)
    city = Text(TEXT_MAX["city"], required=True)
    state = Text(2, _STATE_RE, "must be two capital letters", required=True)
    zip = Zip(required=True)
    lat = Coordinate(90, required=True)
    long = Coordinate(180, required=True)
    city_pop = Integer(CITY_POP_MAX, required=True)
    job = Text(TEXT_MAX["job"], required=True)
    dob = BirthDate(required=True)
    trans_num = Text(64, _TRANS_NUM_RE, "must be 1 to 64 characters of A-Z a-z 0-9 _ -", required=True)
    unix_time = Integer(UNIX_TIME_MAX, required=True)
    merch_lat = Coordinate(90, required=True)
    merch_long = Coordinate(180, required=True)
    is_fraud = Label(load_default="", allow_none=True)

    def handle_error(self, error, data, *, many, **kwargs):
        # marshmallow says "Unknown field." without the rule; say which rule so callers can fix it.
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        for name, msgs in messages.items():
            if name not in self.fields and msgs == ["Unknown field."]:
                messages[name] = ["is not a field of the data dictionary"]
        raise ValidationError(messages)


_SCHEMA = TransactionSchema()
_FIELD_ITEMS = tuple(_SCHEMA.fields.items())
_FIELD_NAMES = frozenset(FIELDS)
_MISSING = object()


def validate_transaction(item: Any, *, drop_unknown: bool = False) -> dict[str, str]:
    """Canonical record for one transaction, or `ValidationError` whose messages map field -> [rule].

    Same result as `TransactionSchema().load(item)` (a test holds them equal), but it drives the
    schema's own field objects directly: marshmallow's per-load machinery (hooks, getters, partial
    handling) costs more than the rules themselves, and this runs for every record the API takes.
    """
    if type(item) is not dict:
        raise ValidationError({"_schema": ["a transaction must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    if not drop_unknown and len(item.keys() - _FIELD_NAMES):
        errors = {name: ["is not a field of the data dictionary"] for name in item.keys() - _FIELD_NAMES}
    out = {}
    for name, field in _FIELD_ITEMS:
        value = item.get(name, _MISSING)
        if value is _MISSING or value is None:
            if name in OPTIONAL_FIELDS:
                out[name] = ""
            else:
                errors[name] = [field.error_messages["required" if value is _MISSING else "null"]]
            continue
        try:
            # str is what CSV clients send: skip the type dispatch in the common case
            out[name] = field.canonical(value.strip()) if type(value) is str else field._deserialize(value, name, item)
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
