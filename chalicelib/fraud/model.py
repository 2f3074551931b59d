"""The trained fraud model, shipped as data: gradient-boosted trees in JSON, scored without any ML library.

The artifact (`make train` writes models/<version>.json and this package's copy, fraud_model.json, which the
Lambda bundle carries) holds the feature names, the category codes and each tree as flat node lists: a split
node sends x <= threshold left; a leaf has feature -1. The raw score is the sum of the leaves reached; the
score is its logistic. `sql_score()` writes that as one SQL expression over fraud_features (one CASE per tree),
so the whole file is scored set-based; `explain()` walks the trees in Python for the few alerted rows and
splits the raw score into each feature's contribution (each split's change of the node value is credited to
the split's feature), which the alert shows as its top reasons in words (chalicelib/fraud/reasons.py).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
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

    def vector(self, row: dict) -> list[float]:
        """A fraud_features row (a dict by column name) as the model's input."""
        return [float(self.category_code(row["category"])) if name == "category_code" else float(row[name])
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

    def sql_score(self) -> str:
        """The score as one SQL expression over a row of fraud_features aliased `f`."""
        codes = " ".join(f"WHEN {_quote(c)} THEN {i}" for i, c in enumerate(self.categories))
        columns = {name: f"f.{name}" for name in self.features}  # float8 columns (fraud_features_rows.sql)
        columns["category_code"] = f"(CASE f.category {codes} ELSE -1 END)::float8"
        trees = " + ".join(_tree_sql(t, 0, self.features, columns) for t in self.trees)
        return f"1 / (1 + exp(-({trees})))"


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
