"""The fraud rules' weights and thresholds: the one place they are set (the SQL only reads them).

Each rule turns one signal into a strength s in (0, 1) with a logistic curve, `1 / (1 + exp(-(x - mid) / width))`,
so scores are continuous (alerts rank well) and no rule is all-or-nothing. A transaction's score combines the
rules as independent pieces of evidence (noisy-OR): `score = 1 - prod(1 - weight * s)`. The weight is therefore
the most a rule can give on its own; a reason is listed when its rule's strength is at least REASON_MIN_STRENGTH.

The rules (x is what the curve reads; `high` / `typical` amounts are the category baseline's p99 / p90 of
recent transactions that raised no alert, from chalicelib/sql/fraud_baseline.sql):
- amount_vs_card:      z-score of ln(amt) against the card's own earlier amounts (at least min_card_history).
- amount_vs_category:  ln(amt / category high): above the category's high percentile.
- night_high_amount:   22:00 to 03:59 local transaction time, and ln(amt / category typical).
- night_time:          22:00 to 03:59 at all (x = 1): a weak nudge that ranks night above day.
- velocity_1h:         the card's transactions in the hour before this one (count).
- velocity_24h:        the card's spend in the 24 h before this one plus this amount, against its usual daily spend.
- burst_after_high:    the card's transactions above their category's high amount in the 24 h before this one.
- distance_from_home:  haversine km from the cardholder's home to the merchant, in standard deviations above
                       the card's usual distance (at least min_card_history earlier transactions).
- new_category_high:   first time the card (with history) is used in this category, and ln(amt / category
                       typical). (Not merchants: nearly every Sparkov purchase is at a merchant new to the card.)
Labels (is_fraud) are never an input.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

RULE_VERSION = "rules-2024.1"
DEFAULT_ALERT_THRESHOLD = 0.55
REASON_MIN_STRENGTH = 0.5


@dataclass(frozen=True)
class Rule:
    weight: float  # the most this rule adds on its own (0..1)
    mid: float  # x where the rule's strength is 0.5
    width: float  # how gradually it rises around mid


@dataclass(frozen=True)
class RuleSet:
    amount_vs_card: Rule = Rule(0.30, mid=2.5, width=0.5)  # z of ln(amt): weak, card spending varies widely
    amount_vs_category: Rule = Rule(0.60, mid=0.0, width=0.12)  # ln(amt / p99)
    night_high_amount: Rule = Rule(0.70, mid=0.2, width=0.15)  # ln(amt / p90), at night only
    night_time: Rule = Rule(0.10, mid=0.5, width=0.1)  # 1 at night: a weak nudge on its own
    velocity_1h: Rule = Rule(0.20, mid=3.5, width=0.5)  # earlier transactions in the hour
    velocity_24h: Rule = Rule(0.20, mid=3.0, width=0.5)  # (24 h spend + amt) / usual daily spend
    burst_after_high: Rule = Rule(0.45, mid=0.5, width=0.1)  # transactions above p99 in the 24 h before
    distance_from_home: Rule = Rule(0.10, mid=3.0, width=0.5)  # z of the km from home
    new_category_high: Rule = Rule(0.20, mid=0.2, width=0.15)  # ln(amt / p90), first use of category/merchant
    night_start_hour: int = 22
    night_end_hour: int = 4  # exclusive
    min_card_history: int = 5
    min_baseline_rows: int = 30  # a category baseline from fewer rows is not used
    baseline_days: int = 365  # the baseline's sample: this many days of transaction time
    baseline_sample_rows: int = 200_000  # about this many rows of it (a block sample of a big table)
    baseline_refresh_hours: float = 1.0  # in transaction time
    history_days: int = 30  # how far back a card's history is read
    usual_daily_spend_floor: float = 100.0  # a card with little history is not "over its usual" for small sums

    def sql_params(self) -> dict:
        """The named parameters the scoring SQL reads (`%(amount_vs_card_weight)s`, ...)."""
        params = {}
        for name, value in asdict(self).items():
            if isinstance(value, dict):  # a Rule
                params.update({f"{name}_{key}": float(v) for key, v in value.items()})
            else:
                params[name] = value
        return {**params, "reason_min_strength": REASON_MIN_STRENGTH, "rule_version": RULE_VERSION}


RULE_NAMES = ("amount_vs_card", "amount_vs_category", "night_high_amount", "night_time", "velocity_1h", "velocity_24h",
              "burst_after_high", "distance_from_home", "new_category_high")
DEFAULT_RULES = RuleSet()
