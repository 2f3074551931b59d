"""A deterministic Sparkov-shaped raw file for the loader benchmark: canonical stream records.

1,000 cardholders with stable profiles and homes, 700 merchants with a category each (names with commas
and quotes, as in the data), log-normal amounts, one transaction every 13 s, about 1 % fraud and 2 % not
yet labelled. The same seed gives the same rows on every machine.
"""
from __future__ import annotations

import hashlib
import random
import time

CARDS, MERCHANTS, SEED = 1_000, 700, 20190101
CATEGORIES = ("shopping_net", "grocery_pos", "misc_net", "gas_transport", "home", "kids_pets", "shopping_pos",
              "personal_care", "entertainment", "food_dining", "health_fitness", "misc_pos", "travel", "grocery_net")
_START = 1546300800  # 2019-01-01 00:00:00 UTC


def _person(rng: random.Random, seed: int, i: int) -> dict:
    return {
        "card_token": hashlib.sha256(f"card-{seed}-{i}".encode()).hexdigest(),
        "cc_last4": f"{rng.randrange(10**4):04d}",
        "first": rng.choice(("Jennifer", "Stephanie", "Edward", "Jeremy", "Tyler", "Zoë")),
        "last": rng.choice(("Banks", "Gill", "Sanchez", "White", "O'Brien")),
        "gender": rng.choice("MF"),
        "street": f"{rng.randrange(1, 99999)} {rng.choice(('Perry Cove', 'Riley Greens', 'Oak Street'))}",
        "city": rng.choice(("Moravian Falls", "Orient", "Malad City", "Boulder")),
        "state": rng.choice(("NC", "WA", "ID", "DC")),
        "zip": f"{rng.randrange(1, 99999):05d}",
        "lat": f"{rng.uniform(25, 49):.6f}",
        "long": f"{rng.uniform(-124, -67):.6f}",
        "city_pop": str(rng.randrange(100, 2_000_000)),
        "job": rng.choice(("Psychologist, counselling", "Nature conservation officer", "Pilot, airline")),
        "dob": f"{rng.randrange(1930, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
    }


def generate_rows(n: int, seed: int = SEED) -> list[dict]:
    """`n` canonical stream records (dicts with the STREAM_COLUMNS keys), in transaction time order."""
    rng = random.Random(seed)
    people = [_person(rng, seed, i) for i in range(CARDS)]
    merchants = [(f"fraud_{rng.choice(('Rippin', 'Heller', 'Lind', 'Kuhn'))}, {rng.choice(('Kub', 'Gutmann'))} "
                  f"and Mann {m}", rng.choice(CATEGORIES)) for m in range(MERCHANTS)]
    rows = []
    for k in range(n):
        merchant, category = rng.choice(merchants)
        rows.append({
            **rng.choice(people),
            "trans_date_trans_time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(_START + k * 13)),
            "merchant": merchant, "category": category,
            "amt": f"{rng.lognormvariate(3.5, 1.2):.2f}",
            "trans_num": f"{rng.getrandbits(128):032x}",
            "unix_time": str(1325376000 + k * 13),
            "merch_lat": f"{rng.uniform(25, 49):.6f}", "merch_long": f"{rng.uniform(-124, -67):.6f}",
            "is_fraud": rng.choices(("0", "1", ""), (97, 1, 2))[0],
        })
    return rows
