"""The trained fraud model, shipped as data: gradient-boosted trees in JSON, scored without any ML library.

The artifact (`make train` writes models/<version>.json and this package's copy, model.json, which the Lambda
bundle carries) holds the feature names, the category codes and each tree as flat node lists: a split node sends
x <= threshold left; a leaf has feature -1. The raw score is the sum of the leaves reached; the score is its
logistic. `sql_raw()` writes a run of trees as one SQL expression over a feature row (one CASE per tree), so the
whole file is scored set-based (chalicelib/fraud/scoring.py); `explain()` walks the trees in Python for the few
alerted rows and splits the raw score into each feature's contribution (each split's change of the node value is
credited to the split's feature), which the alert shows as its top reasons in words (chalicelib/fraud/reasons.py).
Only the features some split reads (`inputs`) are computed by the loader.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

DEPLOYED_MODEL = Path(__file__).resolve().with_name("model.json")


@dataclass(frozen=True)
class Tree:
    feature: tuple[int, ...]  # -1 for a leaf
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]  # leaf value, or the node's mean raw score for a split

    def leaf(self, x: list[float]) -> int:
        node = 0
        while self.feature[node] >= 0:
            node = self.left[node] if x[self.feature[node]] <= self.threshold[node] else self.right[node]
        return node


@dataclass(frozen=True)
class Model:
    version: str
    features: tuple[str, ...]
    categories: tuple[str, ...]
    trees: tuple[Tree, ...]
    threshold: float  # the default alert threshold the training chose (the stage's setting overrides it)

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        trees = tuple(Tree(*(tuple(t[k]) for k in ("feature", "threshold", "left", "right", "value")))
                      for t in data["trees"])
        return cls(data["version"], tuple(data["features"]), tuple(data["categories"]), trees,
                   float(data["threshold"]))

    @cached_property  # vector() reads it for every row: walk the trees once
    def inputs(self) -> tuple[str, ...]:
        """The features some split reads, in the artifact's order: all the loader needs to compute."""
        read = {i for t in self.trees for i in t.feature if i >= 0}
        return tuple(name for i, name in enumerate(self.features) if i in read)

    def vector(self, row: dict) -> list[float]:
        """A feature row (a dict by column name) as the model's input. A feature no split reads may be missing
        (the loader computes only `inputs`): it is 0.0, which cannot change a score."""
        inputs = set(self.inputs)
        return [float(self.category_code(row["category"])) if name == "category_code"
                else float(row[name]) if name in row or name in inputs else 0.0
                for name in self.features]

    def category_code(self, category: str) -> int:
        return self.categories.index(category) if category in self.categories else -1

    def raw(self, x: list[float]) -> float:
        return math.fsum(t.value[t.leaf(x)] for t in self.trees)

    def score(self, x: list[float]) -> float:
        return 1 / (1 + math.exp(-self.raw(x)))

    def explain(self, x: list[float]) -> dict[str, float]:
        """Each feature's share of the raw score (they add up to it, less the trees' root values)."""
        shares = dict.fromkeys(self.features, 0.0)
        for t in self.trees:
            node = 0
            while t.feature[node] >= 0:
                child = t.left[node] if x[t.feature[node]] <= t.threshold[node] else t.right[node]
                shares[self.features[t.feature[node]]] += t.value[child] - t.value[node]
                node = child
        return shares

    def sql_raw(self, start: int = 0, stop: int | None = None) -> str:
        """The sum of trees[start:stop]'s leaves as one SQL expression over a row aliased `f` of sql_inputs()."""
        columns = {name: f"f.{name}" for name in self.features}  # float8 columns (features_rows.sql)
        return " + ".join(_tree_sql(t, 0, self.features, columns) for t in self.trees[start:stop]) or "0::float8"

    def head_bound(self, threshold: float, head: int) -> float:
        """The least sum of the first `head` trees with which a row can still score `threshold` or more: below
        it, even the largest leaf of every later tree cannot lift the raw score to the threshold's logit. So a
        row under it can be left unscored without changing any alert (a little below, for rounding)."""
        if not 0 < threshold < 1:
            return -math.inf
        tail = math.fsum(max(v for f, v in zip(t.feature, t.value, strict=True) if f < 0) for t in self.trees[head:])
        return math.log(threshold / (1 - threshold)) - tail - 1e-9

    def sql_inputs(self, table: str) -> str:
        """A subquery over `table` (the feature rows: a table, or a subquery in parentheses): its columns and the
        category_code, computed once per row (the trees compare it dozens of times). OFFSET 0 keeps the planner
        from pulling the subquery up, which would copy the CASE into every comparison."""
        codes = " ".join(f"WHEN {_quote(c)} THEN {i}" for i, c in enumerate(self.categories))
        return f"(SELECT t.*, (CASE t.category {codes} ELSE -1 END)::float8 AS category_code FROM {table} t OFFSET 0)"


def _tree_sql(tree: Tree, node: int, names: tuple[str, ...], columns: dict[str, str]) -> str:
    if tree.feature[node] < 0:
        return f"{tree.value[node]!r}::float8"
    return (f"CASE WHEN {columns[names[tree.feature[node]]]} <= {tree.threshold[node]!r} "
            f"THEN {_tree_sql(tree, tree.left[node], names, columns)} "
            f"ELSE {_tree_sql(tree, tree.right[node], names, columns)} END")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_model(path: str | Path) -> Model:
    return Model.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@cache
def deployed_model() -> Model:
    """The model the pipeline scores with (read once per process)."""
    return load_model(DEPLOYED_MODEL)
