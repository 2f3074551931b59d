"""Each field's rules as regular expressions, built from the table (fields.py) for `make rules`.

Two per field: `canonical` is the shape of the canonical text (what the stream record check admits), `exact`
is canonical text that keeps every rule a pattern can say (limits, a real calendar day). They use only what
Python's re, PostgreSQL's regular expressions and JSON Schema's (ECMA-262) patterns share: classes, groups
(?:), alternation and counted repeats; no anchors (callers add them) and no lookaround.
"""
from __future__ import annotations

import sys
from decimal import Decimal

from chalicelib.dictionary.fields import ZIP_DIGITS, Field

CONTROL_CHARS = [*range(0x20), 0x7F]  # no text value holds one (JSON, CSV and COPY each treat some specially)
# Whitespace as Python's str.strip() sees it: the API strips it, so stored text never starts or ends with it.
WHITESPACE = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
DIGITS = "[0-9]"  # never \d: it matches other scripts' digits, which ASCII-only code downstream refuses
DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"  # what the API reads as a decimal number
UNSIGNED = r"\+?0*([0-9]+)"  # what the API reads as a whole number: one optional sign, leading zeros dropped
SCIENTIFIC = r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


def char_class(codes: list[int], negate: bool = False) -> str:
    """A character class of the code points, runs written as ranges, in \\xNN / \\uNNNN escapes."""
    def esc(c: int) -> str:
        return chr(c) if 0x20 < c < 0x7F and chr(c).isalnum() else (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")

    runs: list[list[int]] = []
    for c in sorted(codes):
        if runs and c == runs[-1][1] + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    body = "".join(esc(a) if a == b else f"{esc(a)}{'' if b == a + 1 else '-'}{esc(b)}" for a, b in runs)
    return f"[{'^' if negate else ''}{body}]"


TEXT_CHAR = char_class(CONTROL_CHARS, negate=True)
# What the API takes as text: also no lone surrogate, which JSON can carry but UTF-8 cannot encode.
INPUT_TEXT = char_class([*CONTROL_CHARS, *range(0xD800, 0xE000)], negate=True) + "+"


def _any_digits(n: int) -> str:
    return "" if n == 0 else "[0-9]" if n == 1 else f"[0-9]{{{n}}}"


def up_to(limit: int) -> str:
    """The whole numbers 0..limit, without sign or leading zeros."""
    digits = str(limit)
    shorter = ["0"] + [f"[1-9]{_any_digits(n)}" for n in range(len(digits) - 1)]
    same_length = [digits]
    for i, d in enumerate(digits):
        low = "1" if i == 0 else "0"
        if d > low:
            below = low if d == chr(ord(low) + 1) else f"[{low}-{chr(ord(d) - 1)}]"
            same_length.append(f"{digits[:i]}{below}{_any_digits(len(digits) - i - 1)}")
    return "(?:" + "|".join(shorter + same_length) + ")"


def decimal_up_to(limit: Decimal | int, decimals: int) -> str:
    """0..limit written with exactly `decimals` decimals (limit a whole number)."""
    whole = int(limit)
    return f"(?:{up_to(whole - 1)}\\.[0-9]{{{decimals}}}|{whole}\\.0{{{decimals}}})"


# "Is this a real date?": the one definition. A year 0001-9999 (what Python's date and PostgreSQL's date both
# hold), then a month and a day that month has; 02-29 only in a leap year (divisible by 4, centuries by 400).
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = ("(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
              "|(?:0[13578]|1[02])-31)")
REAL_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"


def _code(field: Field) -> str:
    low, high = field.length
    rest = (low - 1, high - 1) if field.first_chars else (low, high)
    count = f"{{{rest[0]}}}" if rest[0] == rest[1] else f"{{{rest[0]},{rest[1]}}}"
    return field.first_chars + field.chars + ("" if count == "{1}" else count)


def _whole_digits(maximum: Decimal | int) -> int:
    return len(str(int(maximum)))


def canonical(field: Field) -> str:
    """The shape of the field's canonical text."""
    kind = field.kind
    if kind == "timestamp":
        return "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
    if kind == "date":
        return "[0-9]{4}-[0-9]{2}-[0-9]{2}"
    if kind == "text":
        return TEXT_CHAR + "+"
    if kind in ("code", "card"):
        return _code(field)
    if kind == "money":
        return f"[0-9]{{1,{_whole_digits(field.maximum)}}}\\.[0-9]{{{field.decimals}}}"
    if kind == "coordinate":
        return f"-?[0-9]{{1,{_whole_digits(field.maximum)}}}\\.[0-9]{{{field.decimals}}}"
    if kind == "count":
        return f"[0-9]{{1,{_whole_digits(field.maximum)}}}"
    if kind == "zip":
        return f"[0-9]{{{ZIP_DIGITS}}}"
    if kind == "label":
        return "[01]?"
    raise ValueError(f"{field.name}: unknown kind {kind!r}")


def exact(field: Field) -> str:
    """Canonical text that keeps the field's rules as far as a pattern can say them (not the text length,
    a birth date's bounds or the Luhn check)."""
    kind = field.kind
    if kind == "timestamp":
        return f"{REAL_DATE} {TIME}"
    if kind == "date":
        return REAL_DATE
    if kind == "money":
        return decimal_up_to(field.maximum, field.decimals)
    if kind == "coordinate":
        return f"-?{decimal_up_to(field.maximum, field.decimals)}"
    if kind == "count":
        return up_to(int(field.maximum))
    return canonical(field)
