"""The named policy rules (rules-2024.2) as a loader hook, next to the model (chalicelib/fraud/scoring.py) when
a stage turns them on: the file's new transactions scored set-based, inside the file's transaction.

Four statements per file, none per row (chalicelib/fraud/sql/*.sql): find the cards of the file's rows,
refresh the category baselines when they are older (in transaction time) than the refresh interval, score
every new row against its card's history, its category and the cardholder's home, and write an alert for
each score at or above the threshold. The alerts commit with the file or not at all, and `ON CONFLICT DO
NOTHING` on trans_num keeps a reload from doubling them. The temporary `fraud_score` table holds the scored
rows until the commit: those at or above the threshold, or with `keep_all_scores` every new row (the evaluation
and the tests read them through `scored_rows` and `copy_scores`; the loader does not pay for writing them).
chalicelib/load/steps.py describes the temporary tables.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg2 import sql

from chalicelib.fraud.rules import DEFAULT_ALERT_THRESHOLD, DEFAULT_RULES, RuleSet
from chalicelib.platform.sqlfiles import sql_text

_BASELINE_LOCK = 0x66726175  # "frau": one loader refreshes the baselines at a time; the others use the last ones


class FraudScorer:
    """A loader hook (`hook(cursor, context)`): score the loaded file's new rows, alert above `threshold`."""

    def __init__(self, threshold: float | None = None, rules: RuleSet = DEFAULT_RULES,
                 keep_all_scores: bool = False):
        threshold = DEFAULT_ALERT_THRESHOLD if threshold is None else threshold
        if not 0 <= threshold <= 1:
            raise ValueError(f"alert threshold must be between 0 and 1, got {threshold}")
        self.threshold = threshold
        self.rules = rules
        # fraud_score keeps the rows at or above the threshold (what the alerts need), or every row (evaluation)
        keep_from = 0.0 if keep_all_scores else threshold
        self._params = {**rules.sql_params(), "threshold": threshold, "keep_from": keep_from}

    def __call__(self, cur, context: Any) -> int:
        """Score the rows the current transaction inserted (the good `stage` rows that are new in
        card_transaction); the number of alerts written."""
        if not context.counts.inserted:  # nothing new (a file of duplicates): nothing to score
            cur.execute("CREATE TEMP TABLE fraud_score ON COMMIT DROP AS SELECT NULL::text AS trans_num, "
                        "NULL::float8 AS score WITH NO DATA")
            return 0
        cur.execute(sql_text("fraud", "cards"), self._params)
        cur.execute("ANALYZE fraud_cards")  # a fresh temp table has no statistics; the plan needs its size
        self._refresh_baselines(cur)
        cur.execute("CREATE TEMP TABLE fraud_score ON COMMIT DROP AS " + sql_text("fraud", "score"), self._params)
        cur.execute(sql_text("fraud", "insert_alerts"), self._params)
        return cur.rowcount

    def _refresh_baselines(self, cur) -> None:
        cur.execute("SELECT max(until) FROM fraud_cards")
        through: dt.datetime = cur.fetchone()[0]
        cur.execute("SELECT max(through_time) FROM fraud_category_baseline")
        latest = cur.fetchone()[0]
        if latest is not None and through - latest < dt.timedelta(hours=self.rules.baseline_refresh_hours):
            return
        cur.execute("SELECT pg_try_advisory_xact_lock(%s)", (_BASELINE_LOCK,))
        if cur.fetchone()[0]:
            cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'card_transaction'::regclass")
            rows = max(cur.fetchone()[0], 1)
            percent = min(100.0, 100.0 * self.rules.baseline_sample_rows / rows)
            cur.execute(sql_text("fraud", "baseline"), {**self._params, "through": through, "sample_percent": percent})


def scored_rows(cur) -> list[dict[str, Any]]:
    """Inside a loader hook that runs after FraudScorer: the file's scored rows, each with its features,
    signals (x_<rule>), strengths (s_<rule>) and score."""
    cur.execute("SELECT * FROM fraud_score")
    names = [column.name for column in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def copy_scores(cur, table: str) -> None:
    """Inside a loader hook that runs after FraudScorer: append the file's (trans_num, score) pairs to `table`
    (a table of the caller's with those two columns), without a round trip through Python."""
    cur.execute(sql.SQL("INSERT INTO {} (trans_num, score) SELECT trans_num, score FROM fraud_score")
                .format(sql.Identifier(table)))
