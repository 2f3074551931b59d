"""Fraud scoring with the trained model, as a loader hook inside the file's transaction.

Per file, set-based: the features of the file's new rows (chalicelib/fraud/features.py), every row's score from
the model's trees written as one SQL expression (chalicelib/fraud/model.py), then, for the few rows at or above
the stage's threshold only, the per-feature contributions in Python and an alert with the score, the model's
version and the top 3 reasons in words. Last, the new rows join the per-card state. The alerts commit with the
file or not at all; `ON CONFLICT DO NOTHING` on trans_num keeps a reload (which has no new rows anyway) from
doubling them. The temporary table `fraud_model_score` (trans_num, score) holds, until commit, the scores of the
rows that could reach the threshold (with `keep_all_scores`, as the evaluation asks, every new row's).
"""
from __future__ import annotations

from functools import cached_property

from psycopg2 import sql
from psycopg2.extras import execute_values

from chalicelib.fraud.features import FraudFeatures
from chalicelib.fraud.model import Model, deployed_model
from chalicelib.fraud.reasons import top_reasons

_EMPTY = ("CREATE TEMP TABLE fraud_model_score ON COMMIT DROP AS "
          "SELECT NULL::text AS trans_num, NULL::float8 AS score WITH NO DATA")
_INSERT = ("INSERT INTO fraud_alert (trans_num, score, reasons, rule_version) VALUES %s "
           "ON CONFLICT (trans_num) DO NOTHING")


class ModelScorer:
    """A loader hook (`hook(cursor, context)`): score the file's new rows with `model`, alert at `threshold`."""

    def __init__(self, threshold: float | None = None, model: Model | None = None,
                 features: FraudFeatures | None = None, keep_all_scores: bool = False):
        if threshold is not None and not 0 <= threshold <= 1:
            raise ValueError(f"alert threshold must be between 0 and 1, got {threshold}")
        self._model = model
        self._threshold = threshold
        self._features = features
        self.keep_all_scores = keep_all_scores  # fraud_model_score: every new row's score, not only the likely alerts

    @cached_property
    def model(self) -> Model:
        return self._model or deployed_model()  # read on first use: no file read at import time

    @cached_property
    def features(self) -> FraudFeatures:
        """The features the model reads (and the state they need): nothing more is computed or kept."""
        return self._features or FraudFeatures(features=self.model.inputs)

    @property
    def threshold(self) -> float:
        return self.model.threshold if self._threshold is None else self._threshold

    @cached_property
    def _score_sql(self) -> str:
        # The trees in three runs: the first half for every row, then up to 70% of them and the rest only for
        # the rows that can still reach the threshold (Model.head_bound): most rows are far below it after half
        # the trees. Only the scores at or above the threshold are kept, unless keep_all_scores: then every row
        # is scored, the same way (the same sums in the same order, so the same bits).
        model, n = self.model, len(self.model.trees)
        cuts = sorted({0, n // 2, n * 7 // 10, n})  # fewer runs for a model of fewer than 4 trees
        rows = f"{model.sql_inputs(f'({self.features.select})')} f"
        for start, stop in zip(cuts, cuts[1:], strict=False):  # raw_<k>: the sum of the first k trees
            so_far = f"f.raw_{start} + " if start else ""
            where = ("" if self.keep_all_scores or not start
                     else f" WHERE f.raw_{start} >= {model.head_bound(self.threshold, start)!r}")
            rows = f"(SELECT f.*, {so_far}{model.sql_raw(start, stop)} AS raw_{stop} FROM {rows}{where} OFFSET 0) f"
        scored = f"SELECT f.*, 1 / (1 + exp(-f.raw_{n})) AS score FROM {rows}"
        if not self.keep_all_scores:
            scored = f"SELECT * FROM ({scored}) s WHERE s.score >= {self.threshold!r}"
        return f"CREATE TEMP TABLE fraud_model_score ON COMMIT DROP AS {scored}"

    def __call__(self, cur, context) -> int:
        """Score the rows this transaction inserted; the number of alerts written."""
        if not context.counts.inserted:  # nothing new (a file of duplicates, a reload): nothing to score
            cur.execute(_EMPTY)
            return 0
        self.features.prepare(cur, all_new=not context.counts.duplicate)
        cur.execute(self._score_sql)  # the features are computed once, inside it: never written out whole
        cur.execute("SELECT * FROM fraud_model_score WHERE score >= %s ORDER BY trans_num", (self.threshold,))
        names = [c.name for c in cur.description]
        alerts = [self._alert(dict(zip(names, row, strict=True))) for row in cur.fetchall()]
        if alerts:
            execute_values(cur, _INSERT, alerts, page_size=1000)
        self.features.remember(cur)
        return len(alerts)

    def _alert(self, row: dict) -> tuple:
        reasons = top_reasons(row, self.model.explain(self.model.vector(row)))
        return row["trans_num"], round(min(row["score"], 1.0), 4), reasons, self.model.version


def copy_model_scores(cur, table: str) -> None:
    """Inside a loader hook that runs after ModelScorer: append the file's (trans_num, score) pairs to `table`
    (a table of the caller's with those two columns), without a round trip through Python."""
    cur.execute(sql.SQL("INSERT INTO {} (trans_num, score) SELECT trans_num, score FROM fraud_model_score")
                .format(sql.Identifier(table)))
