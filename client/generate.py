"""Sparkov-shaped synthetic transactions: `python -m client generate`.

Legitimate traffic follows the day (quiet nights), picks a card by its owner's activity, a category
by the data set's mix and an amount from that category's lognormal mixture, near the cardholder's home.
Fraud comes as the data set shows it: bursts on one card, several high-amount shopping_net /
grocery_pos / misc_net purchases between 22:00 and 04:00 within a few hours, far from home.
The same seed gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Iterator
from functools import cache
from operator import itemgetter
from pathlib import Path

from chalicelib.dictionary.fields import FIELDS
from client.catalog import CATEGORIES, CATEGORY_WEIGHTS, FRAUD_CATEGORIES
from client.profiles import Cardholder, make_cardholders, make_merchants

DEFAULT_FRAUD_RATE = 0.005  # the data set's rate is 0.52 %
ROWS_PER_DAY = 1300  # fraudTrain.csv: 1.3 M rows over 535 days
ROWS_PER_CARD = 8
MAX_CARDS = 1000
# unix_time in the data set runs seven years behind trans_date_trans_time; keep that shape.
UNIX_TIME_OFFSET = 220_924_800
HOUR_WEIGHTS = (3, 3, 3, 3, 2, 2, 4, 6, 7, 8, 8, 8, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 10)
# Per category: (share, median dollars, sigma) components of a lognormal mixture.
AMOUNT_MIXTURES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "gas_transport": ((1.0, 63.0, 0.22),),
    "grocery_pos": ((1.0, 103.0, 0.45),),
    "grocery_net": ((1.0, 54.0, 0.45),),
    "shopping_net": ((0.6, 4.5, 0.7), (0.4, 60.0, 1.0)),
    "shopping_pos": ((0.6, 4.5, 0.7), (0.4, 60.0, 1.0)),
    "misc_net": ((0.6, 5.0, 0.7), (0.4, 80.0, 0.9)),
    "misc_pos": ((0.6, 5.0, 0.8), (0.4, 50.0, 1.0)),
    "travel": ((0.65, 4.0, 0.6), (0.35, 300.0, 1.0)),
}
DEFAULT_MIXTURE = ((0.8, 55.0, 0.55), (0.2, 6.0, 0.8))
AMOUNT_MIN, AMOUNT_MAX = 1.0, 5000.0
FRAUD_AMOUNTS = {"shopping_net": (800.0, 1300.0), "grocery_pos": (270.0, 390.0), "misc_net": (650.0, 1000.0)}
BURST_SIZE = (3, 8)
BURST_START_HOUR, BURST_START_SPREAD_S, BURST_SPAN_S = 22, 2 * 3600, 4 * 3600  # all within 22:00-04:00
NEAR_DEGREES = 1.0  # legitimate merchants: within a degree of home, as in the data set
FAR_DEGREES = (2.0, 4.0)  # fraud: another region


def generate_rows(rows: int, seed: int = 0, fraud_rate: float = DEFAULT_FRAUD_RATE,
                  start: dt.date = dt.date(2019, 1, 1)) -> Iterator[tuple[str, ...]]:
    """`rows` transactions as tuples of strings in `FIELDS` order, in time order."""
    if rows < 0 or not 0 <= fraud_rate <= 1:
        raise ValueError("rows must be >= 0 and fraud_rate within [0, 1]")
    rng = random.Random(seed)
    cards = make_cardholders(rng, max(1, min(MAX_CARDS, rows // ROWS_PER_CARD)))
    merchants = make_merchants(rng)
    days = max(1, math.ceil(rows / ROWS_PER_DAY))
    fraud = fraud_count(rows, fraud_rate)
    events = _legit_events(rng, rows - fraud, len(cards), days) + _fraud_events(rng, fraud, len(cards), days)
    events.sort(key=itemgetter(0))  # stable: the same seed keeps the same order among equal seconds
    epoch = int(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC).timestamp())
    day_text = [(start + dt.timedelta(days=d)).isoformat() + " " for d in range(days + 1)]
    names = {category: [m.name for m in ms] for category, ms in merchants.items()}
    clock, seen = _clock(), set()
    for second, card_index, category in events:
        card, is_fraud = cards[card_index], category is None
        if is_fraud:
            category = rng.choice(FRAUD_CATEGORIES)
            amount, (lat, long) = rng.uniform(*FRAUD_AMOUNTS[category]), _far_from(rng, card)
        else:
            amount, (lat, long) = _amount(rng, category), _near(rng, card)
        day, rest = divmod(second, 86400)
        yield (day_text[day] + clock[rest], card.cc_num, rng.choice(names[category]), category, f"{amount:.2f}",
               *card.profile, _trans_num(rng, seen), str(epoch + second - UNIX_TIME_OFFSET),
               f"{lat:.6f}", f"{long:.6f}", "1" if is_fraud else "0")


def write_csv(path: str | Path, rows: int, **options) -> int:
    """Write a generated CSV (header = FIELDS, no index column); returns the number of fraud rows."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FIELDS)
        writer.writerows(generate_rows(rows, **options))
    return fraud_count(rows, options.get("fraud_rate", DEFAULT_FRAUD_RATE))


def fraud_count(rows: int, fraud_rate: float = DEFAULT_FRAUD_RATE) -> int:
    """How many of `rows` generated rows are fraud: exactly this many, in bursts."""
    return round(rows * fraud_rate)


def _legit_events(rng: random.Random, count: int, cards: int, days: int) -> list[tuple[int, int, str | None]]:
    # Some people use their card far more than others.
    activity = [rng.lognormvariate(0, 0.7) for _ in range(cards)]
    card_picks = rng.choices(range(cards), activity, k=count)
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
    categories = rng.choices(CATEGORIES, CATEGORY_WEIGHTS, k=count)
    return [(rng.randrange(days) * 86400 + hour * 3600 + rng.randrange(3600), card, category)
            for hour, card, category in zip(hours, card_picks, categories, strict=True)]


def _fraud_events(rng: random.Random, count: int, cards: int, days: int) -> list[tuple[int, int, str | None]]:
    events: list[tuple[int, int, str | None]] = []
    victims = rng.sample(range(cards), cards)  # each burst on a new card while there are some
    for burst, size in enumerate(_burst_sizes(rng, count)):
        begin = rng.randrange(days) * 86400 + BURST_START_HOUR * 3600 + rng.randrange(BURST_START_SPREAD_S)
        events += [(begin + rng.randrange(BURST_SPAN_S), victims[burst % cards], None) for _ in range(size)]
    return events


def _burst_sizes(rng: random.Random, count: int) -> list[int]:
    sizes: list[int] = []
    while (left := count - sum(sizes)) > 0:
        if left < BURST_SIZE[0] and sizes:
            sizes[-1] += left  # no lone fraud row: the remainder joins the last burst
        else:
            sizes.append(min(left, rng.randint(*BURST_SIZE)))
    return sizes


@cache
def _clock() -> list[str]:
    """"HH:MM:SS" for every second of a day: formatting the time is the generator's hottest spot."""
    return [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def _amount(rng: random.Random, category: str) -> float:
    mixture = AMOUNT_MIXTURES.get(category, DEFAULT_MIXTURE)
    pick, chosen = rng.random(), mixture[-1]
    for component in mixture:
        pick -= component[0]
        if pick < 0:
            chosen = component
            break
    _, median, sigma = chosen
    return min(AMOUNT_MAX, max(AMOUNT_MIN, rng.lognormvariate(math.log(median), sigma)))


def _near(rng: random.Random, card: Cardholder) -> tuple[float, float]:
    return card.lat + rng.uniform(-NEAR_DEGREES, NEAR_DEGREES), card.long + rng.uniform(-NEAR_DEGREES, NEAR_DEGREES)


def _far_from(rng: random.Random, card: Cardholder) -> tuple[float, float]:
    lat = card.lat + rng.choice((-1, 1)) * rng.uniform(*FAR_DEGREES)
    long = card.long + rng.choice((-1, 1)) * rng.uniform(*FAR_DEGREES)
    return max(-89.0, min(89.0, lat)), max(-179.0, min(179.0, long))


def _trans_num(rng: random.Random, seen: set[str]) -> str:
    while True:
        value = f"{rng.getrandbits(128):032x}"
        if value not in seen:
            seen.add(value)
            return value
