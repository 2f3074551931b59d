"""The Sparkov data dictionary as one table: every field, its kind, its limits, its canonical form, its wording.

This table is the only place a field's rules are written. Everything else is derived from it:
- validate.py builds the API's marshmallow schema from it at import (kinds.py: a field class per kind);
- `make rules` (python -m chalicelib.dictionary) generates, and a drift test holds in step,
  chalicelib/dictionary/patterns.py (the canonical patterns, the batcher's and the line proof's regexes),
  sql/R__rules.sql (the SQL rule functions the loader's checks call, and the tables' CHECK constraints)
  and the field schemas in openapi.yaml (then its JSON copy, chalicelib/openapi.json).

A rule change is one edit here plus `make rules`. Kinds (how a value is read and what its canonical text is):
  timestamp  'YYYY-MM-DD HH:MM:SS', a real date and time     date     'YYYY-MM-DD', a real day from `minimum`
  text       free text, stripped, no control characters      code     characters of `chars`, `length` long
  money      decimal >= 0, `decimals` places, <= `maximum`   coordinate  |value| <= `maximum`, `decimals` places
  count      whole number 0..`maximum`                       zip      1 to 5 digits, padded to 5
  card       the PAN: digits, Luhn (the API's only)          label    0/1 or empty (not known yet)
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    # Where the loader checks it: per row, or once per distinct cardholder or merchant (group=None: API only).
    group: str | None
    message: str = ""  # the wording for a value of the wrong shape, where the kind has no fixed one
    chars: str = ""  # code: a character class every character is in
    first_chars: str = ""  # code: the first character's class, when it differs
    length: tuple[int, int] = (1, 1)  # code and card: the fewest and most characters
    max_len: int = 0  # text: the most characters
    maximum: Decimal | int = 0  # money, coordinate (also -maximum), count
    decimals: int = 0  # money, coordinate: the canonical text's decimals
    minimum: str = ""  # date: the earliest day
    stored: tuple[str, str] | None = None  # (table, column) holding it, for the CHECK constraint
    description: str = ""  # OpenAPI's description of the field
    api: bool = True  # the merchant sends it (card_token and cc_last4 are the API's own)
    stream: bool = True  # the stream and the raw files carry it (the PAN never does)
    optional: bool = False


FIELD_TABLE: tuple[Field, ...] = (
    Field("trans_date_trans_time", "timestamp", "row", "must be YYYY-MM-DD HH:MM:SS",
          description="YYYY-MM-DD HH:MM:SS, a real date and time."),
    Field("cc_num", "card", None, "must be 11 to 19 digits", chars="[0-9]", length=(11, 19), stream=False,
          description="The card number (PAN), 11 to 19 digits passing the Luhn check. Never stored or echoed."),
    Field("card_token", "code", "customer", "must be 64 lower-case hex digits", chars="[0-9a-f]", length=(64, 64),
          stored=("customer", "card_token"), api=False),
    Field("cc_last4", "code", "customer", "must be 4 digits", chars="[0-9]", length=(4, 4),
          stored=("customer", "cc_last4"), api=False),
    Field("merchant", "text", "merchant", max_len=200, stored=("merchant", "name")),
    Field("category", "code", "merchant", "must be lower-case letters, digits and _", chars="[a-z0-9_]",
          first_chars="[a-z]", length=(1, 40), stored=("card_transaction", "category"),
          description="Lower-case letters, digits and _, starting with a letter; at most 40."),
    Field("amt", "money", "row", maximum=Decimal("1000000.00"), decimals=2, stored=("card_transaction", "amt"),
          description="Dollars, at least 0, at most 2 decimals, at most {maximum}."),
    Field("first", "text", "customer", max_len=100, stored=("customer", "first")),
    Field("last", "text", "customer", max_len=100, stored=("customer", "last")),
    Field("gender", "code", "customer", "must be M or F", chars="[MF]", stored=("customer", "gender")),
    Field("street", "text", "customer", max_len=200, stored=("customer_address", "street")),
    Field("city", "text", "customer", max_len=100, stored=("customer_address", "city")),
    Field("state", "code", "customer", "must be two capital letters", chars="[A-Z]", length=(2, 2),
          stored=("customer_address", "state")),
    Field("zip", "zip", "customer", "must be 1 to 5 digits", stored=("customer_address", "zip"),
          description="1 to 5 digits; stored with leading zeros (5155 is 05155)."),
    Field("lat", "coordinate", "customer", maximum=90, decimals=6, stored=("customer_address", "lat"),
          description="Degrees, -{maximum} to {maximum}; kept to {decimals} decimals."),
    Field("long", "coordinate", "customer", maximum=180, decimals=6, stored=("customer_address", "long"),
          description="Degrees, -{maximum} to {maximum}; kept to {decimals} decimals."),
    Field("city_pop", "count", "customer", maximum=100_000_000, stored=("customer_address", "city_pop"),
          description="A whole number, 0 to {maximum}."),
    Field("job", "text", "customer", max_len=200, stored=("customer", "job")),
    Field("dob", "date", "customer", "must be YYYY-MM-DD", minimum="1900-01-01", stored=("customer", "dob"),
          description="YYYY-MM-DD, a real date from {minimum} up to today."),
    Field("trans_num", "code", "row", "must be 1 to 64 characters of A-Z a-z 0-9 _ -", chars="[A-Za-z0-9_-]",
          length=(1, 64), stored=("card_transaction", "trans_num"),
          description="The transaction's unique id; resending the same trans_num never duplicates it."),
    Field("unix_time", "count", "row", maximum=10**11, stored=("card_transaction", "unix_time"),
          description="Seconds since 1970, a whole number up to {maximum}."),
    Field("merch_lat", "coordinate", "row", maximum=90, decimals=6, stored=("card_transaction", "merch_lat"),
          description="Degrees, -{maximum} to {maximum}; kept to {decimals} decimals."),
    Field("merch_long", "coordinate", "row", maximum=180, decimals=6, stored=("card_transaction", "merch_long"),
          description="Degrees, -{maximum} to {maximum}; kept to {decimals} decimals."),
    Field("is_fraud", "label", "row", "must be 0, 1, true or false", optional=True,
          description="The label when known (0/1, true/false, any case); absent, null or empty when not known yet."),
)

# The wording of the rules every field of a kind shares; the API (validate.py) and the SQL rule functions
# (sql/R__rules.sql) both say exactly these.
REQUIRED = "is required"
NULL = "may not be null"
EMPTY = "must not be empty"
CONTROL = "must not contain control characters"
SURROGATE = "must be valid Unicode: a lone surrogate (\\ud800-\\udfff) is not"
NOT_STRING = "must be a string"
NOT_STRING_OR_NUMBER = "must be a string or a number"
UNKNOWN = "is not a field of the data dictionary"
NOT_OBJECT = "a transaction must be a JSON object"
TOO_LONG = "must be at most {max_len} characters"
NOT_REAL_DATETIME = "is not a real date and time"
NOT_REAL_DATE = "is not a real date"
FUTURE = "must not be in the future"
TOO_EARLY = "must be on or after {minimum}"
NOT_DECIMAL = "must be a decimal number"
NEGATIVE = "must be >= 0"
ABOVE = "must be <= {maximum}"
TOO_PRECISE = "must have at most {decimals} decimals"
OUT_OF_RANGE = "must be between -{maximum} and {maximum}"
NOT_WHOLE = "must be a whole number >= 0"
SCIENTIFIC = "is in scientific notation (spreadsheet-mangled): the card number is lost"
LUHN = "fails the Luhn check"
# Only the loader says these: the stream carries canonical text, so another spelling is a foreign row.
NOT_CANONICAL = {"money": "is not canonical ({decimals} decimals, like 4.90)",
                 "coordinate": "is not canonical ({decimals} decimals, like 36.078800)",
                 "count": "is not canonical (no sign, no leading zeros)",
                 "zip": "is not canonical (5 digits, like 05155)",
                 "text": "must not start or end with spaces"}
LABEL_CANONICAL = "must be 0, 1 or empty"
LABEL_VALUES = {"0": "0", "1": "1", "false": "0", "true": "1", "": ""}  # what the API takes (any case) -> canonical
ZIP_DIGITS = 5

BY_NAME: dict[str, Field] = {f.name: f for f in FIELD_TABLE}
FIELDS: tuple[str, ...] = tuple(f.name for f in FIELD_TABLE if f.api)
OPTIONAL_FIELDS = frozenset(f.name for f in FIELD_TABLE if f.optional)
STREAM_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELD_TABLE if f.stream)


def say(template: str, field: Field) -> str:
    """A message template worded for one field (its limits filled in)."""
    return template.format(max_len=field.max_len, maximum=field.maximum, decimals=field.decimals,
                           minimum=field.minimum)
