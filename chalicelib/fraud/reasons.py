"""An alert's reasons in words: the features that pushed its score up most, each with the values behind it.

`top_reasons` takes a fraud_features row and the model's per-feature contributions (chalicelib/fraud/model.py)
and words the strongest positive ones as 'feature: words', the form reporting.alert_reasons splits on ':'.
"""
from __future__ import annotations

from collections.abc import Callable


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _vs_card(r: dict) -> str:
    if r.get("card_typical") is None:
        return f"amount {_money(r['amt'])}, the card's first transaction"
    return f"amount {r['amt_vs_card']:.1f}x this card's typical ({_money(r['amt'])} vs {_money(r['card_typical'])})"


def _window(label: str, n: str, amt: str) -> Callable[[dict], str]:
    return lambda r: f"{r[n]} transaction(s) for {_money(r[amt])} on the card in the {label} before"


_WORDS: dict[str, Callable[[dict], str]] = {
    "amt": lambda r: f"amount {_money(r['amt'])}",
    "amt_vs_card": _vs_card,
    "amt_vs_category": lambda r: (f"amount {r['amt_vs_category']:.1f}x the {r['category']} typical "
                                  f"({_money(r['category_typical'])})"),
    "category_code": lambda r: f"category {r['category']}",
    "hour": lambda r: f"at {r['ts']:%H:%M}",
    "night": lambda r: f"at {r['ts']:%H:%M}, " + ("night time" if r["night"] else "day time"),
    "age": lambda r: f"cardholder aged {r['age']:.0f}",
    "km": lambda r: f"{r['km']:,.0f} km from the cardholder's home",
    "new_merchant": lambda r: "first use of this merchant" if r["new_merchant"] else "a merchant the card has used",
    "new_category": lambda r: (f"first use of {r['category']} on the card" if r["new_category"]
                               else f"{r['category']} used on the card before"),
    "hours_since_prev": lambda r: ("the card's first transaction" if r["hours_since_prev"] < 0
                                   else f"{r['hours_since_prev']:.1f} h after the card's previous transaction"),
    "n_prior": lambda r: f"{r['n_prior']} earlier transaction(s) on the card",
    "n_1h": _window("hour", "n_1h", "amt_1h"), "amt_1h": _window("hour", "n_1h", "amt_1h"),
    "n_24h": _window("24 h", "n_24h", "amt_24h"), "amt_24h": _window("24 h", "n_24h", "amt_24h"),
    "n_7d": _window("7 days", "n_7d", "amt_7d"), "amt_7d": _window("7 days", "n_7d", "amt_7d"),
}


def top_reasons(row: dict, contributions: dict[str, float], count: int = 3) -> list[str]:
    """The `count` strongest positive contributions in words, strongest first (the strongest one if none is
    positive: an alert always says something)."""
    ranked = sorted(contributions.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [name for name, value in ranked if value > 0][:count] or [ranked[0][0]]
    return [f"{name}: {_WORDS[name](row)}" for name in chosen]
