"""The fraud rules' weights and thresholds: the one place they are set (the SQL only reads them).

Each rule turns one signal into a strength s in (0, 1) with a logistic curve, `1 / (1 + exp(-(x - mid) / width))`,
so scores are continuous (alerts rank well) and no rule is all-or-nothing. A transaction's score combines the
rules as independent pieces of evidence (noisy-OR): `score = 1 - prod(1 - weight * s)`. The weight is therefore
the most a rule can give on its own; a reason is listed when its rule's strength is at least REASON_MIN_STRENGTH.

The rules (x is what the curve reads; `high` / `typical` amounts are the category baseline's p99 / p90 of
recent daytime transactions that raised no alert, or of all categories where the category has fewer than
min_baseline_rows of them, from chalicelib/fraud/sql/baseline.sql):
- amount_vs_card:      z-score of ln(amt) against the card's own earlier amounts (at least min_card_history).
- amount_vs_category:  ln(amt / category high): above the category's high percentile.
- night_high_amount:   22:00 to 03:59 local transaction time, and ln(amt / category typical).
- night_time:          22:00 to 03:59 at all (x = 1): a weak nudge that ranks night above day.
- velocity_1h:         the card's transactions in the hour before this one (count).
- velocity_24h:        the card's spend in the 24 h before this one plus this amount, against its usual daily spend
                       (only with min_card_history earlier transactions over at least a day: "usual" needs both).
- burst_after_high:    the card's transactions above their category's high amount in the 24 h before this one.
- distance_from_home:  haversine km from the cardholder's home to the merchant, in standard deviations above
                       the card's usual distance (at least min_card_history earlier transactions).
- new_category_high:   first time the card (with history) is used in this category, and ln(amt / category
                       typical). (Not merchants: nearly every Sparkov purchase is at a merchant new to the card.)
Labels (is_fraud) are never an input.

How the numbers were chosen (rules-2024.2). Not fitted to a file. The data dictionary describes fraud as bursts
on one card within hours, high amounts, at night; the weights are three tiers from that: STRONG (= the alert
threshold, so one rule alone cannot alert short of saturation) for the three signals it names with amounts
(above the category bar, high at night, a burst after a high amount); WEAK for card-history signals that need
history Sparkov cards often lack; NUDGE for night time alone and distance (Sparkov merchants are scattered
around home, fraud or not). Mids sit where the signal starts to mean something: at the bar itself (ln ratio 0;
0.2 above the p90), z = 3, one earlier high amount, 3.5 transactions in an hour, 3x the usual daily spend. The
category bars are taken from daytime rows because fraud is mostly at night: in a 10%-fraud sample, night-time
fraud otherwise sets the p90/p99 itself. Measured, not tuned, on the shared files (docs/fraud.md):
train_head_5k (0.44% fraud) AUC 0.978, recall 0.86 at a 2.4% alert rate; mixed_fraud_1k (10%) AUC 0.953. Which
signals carry it (AUC 5k / 1k with the rule's weight set to 0): amount_vs_category 0.943 / 0.860, night_time
0.953 / 0.927, burst_after_high 0.953 / 0.950, night_high_amount 0.978 / 0.948 (recall at the threshold 0.77 /
0.17 without it); the other five move AUC by less than 0.005 on either file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

RULE_VERSION = "rules-2024.2"
DEFAULT_ALERT_THRESHOLD = 0.55
REASON_MIN_STRENGTH = 0.5


@dataclass(frozen=True)
class Rule:
    weight: float  # the most this rule adds on its own (0..1)
    mid: float  # x where the rule's strength is 0.5
    width: float  # how gradually it rises around mid


# The weights come in three tiers, set from what the data dictionary says fraud looks like (bursts on one card
# within hours, high amounts, at night), not fitted to a file. STRONG equals the default alert threshold, so
# no single rule alerts on its own short of full saturation: an alert takes two pieces of evidence.
STRONG, WEAK, NUDGE = DEFAULT_ALERT_THRESHOLD, 0.2, 0.1


@dataclass(frozen=True)
class RuleSet:
    amount_vs_card: Rule = Rule(WEAK, mid=3.0, width=0.5)  # z of ln(amt): card spending varies widely
    amount_vs_category: Rule = Rule(STRONG, mid=0.0, width=0.12)  # ln(amt / p99): at the p99, s = 0.5
    night_high_amount: Rule = Rule(STRONG, mid=0.2, width=0.15)  # ln(amt / p90), at night only
    night_time: Rule = Rule(NUDGE, mid=0.5, width=0.1)  # 1 at night: a nudge that ranks night above day
    velocity_1h: Rule = Rule(WEAK, mid=3.5, width=0.5)  # earlier transactions in the hour
    velocity_24h: Rule = Rule(WEAK, mid=3.0, width=0.5)  # (24 h spend + amt) / usual daily spend
    burst_after_high: Rule = Rule(STRONG, mid=0.5, width=0.1)  # transactions above p99 in the 24 h before
    distance_from_home: Rule = Rule(NUDGE, mid=3.0, width=0.5)  # z of the km from home
    new_category_high: Rule = Rule(WEAK, mid=0.2, width=0.15)  # ln(amt / p90), first use of category
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


DEFAULT_RULES = RuleSet()
