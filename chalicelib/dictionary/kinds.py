"""How the API reads each kind of field (fields.py) into canonical text: one marshmallow Field class per kind.

Each field turns its input into canonical text or raises a message naming the rule, worded as the table words
it. Overriding `_deserialize` is marshmallow's documented way to write a custom field; the fast path
(validate.validate_transaction) calls `canonical` on strings and the public `deserialize` on anything else.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

from chalicelib.dictionary import fields as table
from chalicelib.dictionary import patterns
from chalicelib.dictionary.fields import Field, say

CANONICAL_PATTERNS: dict[str, re.Pattern] = {name: re.compile(p) for name, p in patterns.CANONICAL.items()}
_EXACT = {name: re.compile(p) for name, p in patterns.EXACT.items()}
# JSON can carry a lone surrogate ("\ud800"): Python takes it as text, but it cannot be encoded as UTF-8.
# The API refuses it (the batcher, reading the stream, quarantines one with its own reason).
_INPUT_TEXT_RE = re.compile(patterns.INPUT_TEXT)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")
_DIGITS_RE = re.compile(patterns.DIGITS)
_DECIMAL_RE = re.compile(patterns.DECIMAL)
_UNSIGNED_RE = re.compile(patterns.UNSIGNED)
_SCI_RE = re.compile(patterns.SCIENTIFIC)
_DOUBLED = str.maketrans("0123456789", "0246813579")  # each digit doubled, digits of the result summed


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    undoubled, doubled = digits[-1::-2], digits[-2::-2].translate(_DOUBLED)
    return (sum(map(int, undoubled)) + sum(map(int, doubled))) % 10 == 0


def _as_text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValidationError(table.NOT_STRING_OR_NUMBER)
    return value.strip() if isinstance(value, str) else str(value)


class _Canonical(fields.Field):
    """A field of the table that turns its input into canonical text or raises a message naming the rule."""

    default_error_messages = {"required": table.REQUIRED, "null": table.NULL}
    numbers_allowed = True  # False for text, codes and dates: a JSON number there means shifted columns

    def __init__(self, rule: Field, **kw):
        super().__init__(**kw)
        self.rule = rule

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.numbers_allowed and type(value) is not str:
            raise ValidationError(table.NOT_STRING)
        return self.canonical(_as_text(value))

    def canonical(self, text: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def fail(self, template: str) -> ValidationError:
        return ValidationError(say(template, self.rule))


class Text(_Canonical):
    """Free text, and codes: not empty, at most so many characters, then the pattern."""

    numbers_allowed = False

    def __init__(self, rule: Field, **kw):
        super().__init__(rule, **kw)
        if rule.kind == "text":
            self.max_len, self.pattern, self.message = rule.max_len, _INPUT_TEXT_RE, table.CONTROL
        else:
            self.max_len, self.pattern, self.message = rule.length[1], CANONICAL_PATTERNS[rule.name], rule.message

    def canonical(self, text):
        if not text:
            raise ValidationError(table.EMPTY)
        if len(text) > self.max_len:
            raise ValidationError(table.TOO_LONG.format(max_len=self.max_len))
        if not self.pattern.fullmatch(text):
            if self.pattern is _INPUT_TEXT_RE and _SURROGATE_RE.search(text):
                raise ValidationError(table.SURROGATE)
            raise ValidationError(self.message)
        return text


class CardNumber(_Canonical):
    def canonical(self, text):
        if _SCI_RE.fullmatch(text):
            raise ValidationError(table.SCIENTIFIC)
        if not CANONICAL_PATTERNS[self.rule.name].fullmatch(text):
            raise ValidationError(self.rule.message)
        if not luhn_valid(text):
            raise ValidationError(table.LUHN)
        return text


class Money(_Canonical):
    def canonical(self, text):
        amount, rule = _parse_decimal(text), self.rule
        if amount < 0:
            raise self.fail(table.NEGATIVE)
        if amount > rule.maximum:
            raise self.fail(table.ABOVE)
        if amount != amount.quantize(Decimal(1).scaleb(-rule.decimals)):
            raise self.fail(table.TOO_PRECISE)
        # abs: "-0" is >= 0 but would print as "-0.00", which is not canonical
        return f"{abs(amount):.{rule.decimals}f}"


class Coordinate(_Canonical):
    def canonical(self, text):
        value, rule = _parse_decimal(text), self.rule
        if not -rule.maximum <= value <= rule.maximum:
            raise self.fail(table.OUT_OF_RANGE)
        return f"{value:.{rule.decimals}f}"


class Integer(_Canonical):
    def canonical(self, text):
        match = _UNSIGNED_RE.fullmatch(text)
        if not match:
            raise ValidationError(table.NOT_WHOLE)
        digits, maximum = match.group(1), self.rule.maximum
        # Length first: int() refuses strings over 4,300 digits with a ValueError, not a verdict.
        if len(digits) > len(str(maximum)) or int(digits) > maximum:
            raise self.fail(table.ABOVE)
        return str(int(digits))


class Zip(_Canonical):
    def canonical(self, text):
        if not _DIGITS_RE.fullmatch(text) or len(text) > table.ZIP_DIGITS:
            raise ValidationError(self.rule.message)
        return text.zfill(table.ZIP_DIGITS)


class Timestamp(_Canonical):
    """The shape first, then the real calendar (the dictionary's one definition of a real date, as a pattern)."""

    numbers_allowed = False
    not_real = table.NOT_REAL_DATETIME

    def canonical(self, text):
        if not CANONICAL_PATTERNS[self.rule.name].fullmatch(text):
            raise ValidationError(self.rule.message)
        if not _EXACT[self.rule.name].fullmatch(text):
            raise ValidationError(self.not_real)
        return text


class BirthDate(Timestamp):
    not_real = table.NOT_REAL_DATE

    def canonical(self, text):
        text = super().canonical(text)
        if text > _today_iso():
            raise ValidationError(table.FUTURE)
        if text < self.rule.minimum:  # ISO dates of four-digit years sort as text
            raise self.fail(table.TOO_EARLY)
        return text


class Label(_Canonical):
    def deserialize(self, value, attr=None, data=None, **kwargs):
        # null means "no label yet", the same as an absent field
        return "" if value is None else super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return "1" if value else "0"
        return self.canonical(_as_text(value))

    def canonical(self, text):
        text = text.lower()
        if text not in table.LABEL_VALUES:
            raise ValidationError(self.rule.message)
        return table.LABEL_VALUES[text]


_KINDS: dict[str, type[_Canonical]] = {
    "timestamp": Timestamp, "date": BirthDate, "text": Text, "code": Text, "card": CardNumber, "money": Money,
    "coordinate": Coordinate, "count": Integer, "zip": Zip, "label": Label,
}
_today_cache: list = [0.0, ""]


def _today_iso() -> str:
    """Today's date as ISO text, recomputed at most once a minute (the per-record cost matters)."""
    now = time.time()
    if now - _today_cache[0] > 60:
        _today_cache[:] = [now, dt.date.today().isoformat()]
    return _today_cache[1]


def _parse_decimal(text: str) -> Decimal:
    if not _DECIMAL_RE.fullmatch(text):
        raise ValidationError(table.NOT_DECIMAL)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        raise ValidationError(table.NOT_DECIMAL) from None


def field_for(rule: Field) -> _Canonical:
    """The marshmallow field that reads the table's row `rule`."""
    if rule.optional:
        return _KINDS[rule.kind](rule, load_default="", allow_none=True)
    return _KINDS[rule.kind](rule, required=True)
