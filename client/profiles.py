"""The generator's cast: cardholders with stable profiles and merchants with a category each."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from chalicelib.dictionary.kinds import luhn_valid
from client import catalog

# Card number lengths as they occur in the data set: mostly 16, but 11 to 19 digits all appear.
CARD_LENGTHS = (16, 15, 14, 19, 12, 13, 11)
CARD_LENGTH_WEIGHTS = (50, 16, 10, 9, 7, 7, 1)
CARD_FIRST_DIGITS = "34625"
CARD_FIRST_DIGIT_WEIGHTS = (38, 32, 12, 10, 8)
DOB_RANGE = (dt.date(1926, 1, 1), dt.date(2005, 12, 31))
MERCHANTS_PER_CATEGORY = 40


@dataclass(frozen=True)
class Cardholder:
    cc_num: str
    profile: tuple[str, ...]  # first, last, gender, street, city, state, zip, lat, long, city_pop, job, dob
    lat: float
    long: float


@dataclass(frozen=True)
class Merchant:
    name: str
    category: str


def make_cardholders(rng: random.Random, count: int) -> list[Cardholder]:
    """`count` people, each with one Luhn-valid card number (unique) and one home."""
    seen: set[str] = set()
    holders = []
    while len(holders) < count:
        cc_num = _card_number(rng)
        if cc_num in seen:
            continue
        seen.add(cc_num)
        holders.append(_cardholder(rng, cc_num))
    return holders


def make_merchants(rng: random.Random) -> dict[str, list[Merchant]]:
    """Merchants per category, named like the data set's ("fraud_Rippin, Kub and Mann")."""
    seen: set[str] = set()
    by_category: dict[str, list[Merchant]] = {c: [] for c in catalog.CATEGORIES}
    for category in catalog.CATEGORIES:
        while len(by_category[category]) < MERCHANTS_PER_CATEGORY:
            name = _merchant_name(rng)
            if name not in seen:
                seen.add(name)
                by_category[category].append(Merchant(name, category))
    return by_category


def _card_number(rng: random.Random) -> str:
    length = rng.choices(CARD_LENGTHS, CARD_LENGTH_WEIGHTS)[0]
    first = rng.choices(CARD_FIRST_DIGITS, CARD_FIRST_DIGIT_WEIGHTS)[0]
    partial = first + "".join(rng.choices("0123456789", k=length - 2))
    return next(partial + d for d in "0123456789" if luhn_valid(partial + d))


def _cardholder(rng: random.Random, cc_num: str) -> Cardholder:
    gender = rng.choice("FM")
    city, state, zip_code, lat, long, city_pop = rng.choice(catalog.CITIES)
    street_name = rng.choice(catalog.FIRST_NAMES[rng.choice("FM")])
    street = f"{rng.randint(1, 99999)} {street_name} {rng.choice(catalog.STREET_SUFFIXES)}"
    if rng.random() < 0.35:
        street += f" {rng.choice(('Apt.', 'Suite'))} {rng.randint(0, 999):03d}"
    span = (DOB_RANGE[1] - DOB_RANGE[0]).days
    dob = DOB_RANGE[0] + dt.timedelta(days=rng.randrange(span))
    first, last = rng.choice(catalog.FIRST_NAMES[gender]), rng.choice(catalog.LAST_NAMES)
    profile = (first, last, gender, street, city, state, zip_code, f"{lat:.4f}", f"{long:.4f}", str(city_pop),
               rng.choice(catalog.JOBS), dob.isoformat())
    return Cardholder(cc_num, profile, lat, long)


def _merchant_name(rng: random.Random) -> str:
    a, b, c = rng.sample(catalog.MERCHANT_NAMES, 3)
    shape = rng.random()
    if shape < 0.4:
        return f"fraud_{a}-{b}"
    if shape < 0.7:
        return f"fraud_{a}, {b} and {c}"
    return f"fraud_{a} {rng.choice(catalog.MERCHANT_SUFFIXES)}"
