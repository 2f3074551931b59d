"""Hand-built transactions for tests: small, readable, and Luhn-valid by construction."""
from __future__ import annotations

import itertools

from chalicelib.dictionary.kinds import luhn_valid

_COUNTER = itertools.count(1)


def luhn_complete(prefix: str) -> str:
    """`prefix` plus the check digit that makes it pass Luhn."""
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable")


def make_pan(n: int, length: int = 16) -> str:
    return luhn_complete(("4" + str(n).zfill(length - 2))[: length - 1])


def make_transaction(**overrides) -> dict:
    """A valid transaction as a CSV client sends it (strings), with a unique trans_num."""
    n = next(_COUNTER)
    record = {
        "trans_date_trans_time": "2019-01-01 00:00:18",
        "cc_num": make_pan(n),
        "merchant": "fraud_Rippin, Kub and Mann",
        "category": "misc_net",
        "amt": "4.97",
        "first": "Jennifer",
        "last": "Banks",
        "gender": "F",
        "street": "561 Perry Cove",
        "city": "Moravian Falls",
        "state": "NC",
        "zip": "28654",
        "lat": "36.0788",
        "long": "-81.1781",
        "city_pop": "3495",
        "job": "Psychologist, counselling",
        "dob": "1988-03-09",
        "trans_num": f"t{n:031x}",
        "unix_time": "1325376018",
        "merch_lat": "36.011293",
        "merch_long": "-82.048315",
        "is_fraud": "0",
    }
    record.update(overrides)
    return record
