"""The trained model shipped as data: the pure-Python trees reproduce LightGBM's own predictions, the generated
SQL reproduces the Python scores inside the loader, and each alert keeps its score, the model's version and its
top reasons in words."""
import contextlib
import dataclasses
import datetime as dt
import io
import json
import math
import random

import pytest

from chalicelib.fraud.model import DEPLOYED_MODEL, Model, deployed_model
from chalicelib.fraud.scoring import ModelScorer
from chalicelib.load.loader import Loader
from chalicelib.stream.csvfile import encode_csv
from tests.support.fraud_cases import FraudBench, txn
from tools.evaluate.evaluation import MemoryShelf, scratch_database
from tools.evaluate.train import MODEL_FEATURES, PARAMS, export, fit, measure

REPO = DEPLOYED_MODEL.parents[2]  # chalicelib/fraud/model.json -> the repository

T = dt.datetime(2024, 3, 1, 10, 0, 0)  # the same start as test_fraud_features.py


def test_the_python_trees_reproduce_lightgbms_predictions():
    lightgbm = pytest.importorskip("lightgbm")  # a dev dependency: always there under make test
    import numpy as np

    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, len(MODEL_FEATURES)))
    y = (x[:, 0] + x[:, 2] * x[:, 3] + rng.normal(scale=0.5, size=600) > 0.8).astype(int)
    booster = lightgbm.train({**PARAMS, "num_leaves": 7}, lightgbm.Dataset(x, y), num_boost_round=30)
    model = Model.from_dict(export(booster, "test", ["grocery_pos"], 0.5))
    probe = rng.normal(size=(200, len(MODEL_FEATURES)))
    expected = booster.predict(probe)
    assert [model.score(list(row)) for row in probe] == pytest.approx(list(expected), abs=1e-12)


def test_feature_contributions_add_up_to_the_raw_score():
    model = deployed_model()
    rng = random.Random(5)
    for _ in range(20):
        x = [rng.uniform(0, 30) for _ in model.features]
        roots = math.fsum(t.value[0] for t in model.trees)
        assert roots + math.fsum(model.explain(x).values()) == pytest.approx(model.raw(x), abs=1e-9)


def test_the_deployed_copy_is_the_versioned_artifact():
    model = deployed_model()
    versioned = REPO / "models" / f"{model.version}.json"
    assert json.loads(versioned.read_text()) == json.loads(DEPLOYED_MODEL.read_text())
    assert (REPO / "models" / f"{model.version}.md").exists()


@pytest.fixture(scope="module")
def model_dsn(pg_dsn):
    with scratch_database(pg_dsn) as dsn:
        yield dsn


def _load(dsn: str, files: list[list[dict]], scorer: ModelScorer) -> tuple[FraudBench, dict[str, dict]]:
    shelf, kept = MemoryShelf(), {}

    def keep(cur, _context) -> None:
        cur.execute("SELECT * FROM fraud_model_score")  # the scores with their features
        names = [c.name for c in cur.description]
        kept.update({r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()})

    bench = FraudBench(dsn, shelf, "bucket")
    bench.reset()
    loader = Loader(shelf, bench.db, "quarantine/", hooks=(scorer, keep))
    with contextlib.redirect_stdout(io.StringIO()):
        for number, records in enumerate(files):
            loader.load_object("bucket", shelf.put(f"raw-data/{number}.csv", encode_csv(records)))
    return bench, kept


def _day(card: int, day: int) -> list[dict]:
    rng = random.Random(card * 100 + day)
    start = T.replace(hour=8)
    return [txn(card, start.replace(day=1 + day, hour=8 + i * 3), f"{rng.uniform(2, 90):.2f}",
                rng.choice(["grocery_pos", "gas_transport", "shopping_net", "misc_net"])) for i in range(4)]


def test_the_sql_score_is_the_python_score_of_the_same_feature_row(model_dsn):
    model = deployed_model()
    night = [txn(7, T.replace(day=5, hour=23, minute=m), f"{900 + m}.00", "shopping_net",
                 merch=(38.5, -79.0)) for m in range(3)]
    files = [_day(card, day) for day in range(4) for card in (5, 6, 7)] + [night]
    bench, kept = _load(model_dsn, files, ModelScorer(threshold=0.5, keep_all_scores=True))
    bench.db.close()
    assert len(kept) == 4 * 3 * 4 + 3
    for row in kept.values():
        assert row["score"] == pytest.approx(model.score(model.vector(row)), abs=1e-12)


def test_an_alert_keeps_its_score_the_model_version_and_three_reasons_in_words(model_dsn):
    night = [txn(7, T.replace(day=5, hour=23, minute=m), f"{900 + m}.00", "shopping_net",
                 merch=(38.5, -79.0)) for m in range(3)]
    bench, kept = _load(model_dsn, [_day(7, 0), _day(7, 1), night], ModelScorer(threshold=0.5, keep_all_scores=True))
    alerts = bench.query("SELECT trans_num, score::float8, reasons, rule_version FROM fraud_alert ORDER BY 1")
    bench.db.close()
    assert {a[0] for a in alerts} == {k for k, row in kept.items() if row["score"] >= 0.5}
    assert {r["trans_num"] for r in night} <= {a[0] for a in alerts}
    for trans_num, score, reasons, version in alerts:
        assert score == pytest.approx(kept[trans_num]["score"], abs=5e-5)
        assert version == deployed_model().version and len(reasons) == 3
        assert all(":" in r and any(ch.isdigit() or ch.isalpha() for ch in r.split(":", 1)[1]) for r in reasons)
    assert any("shopping_net" in r or "x this card's typical" in r or "km from" in r for r in alerts[0][2])


def test_a_threshold_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        ModelScorer(threshold=1.5)


def test_labels_are_never_an_input_to_the_features_or_the_score(model_dsn):
    files = [_day(card, day) for day in range(3) for card in (5, 6)]
    bench, labelled = _load(model_dsn, files, ModelScorer(threshold=0.5, keep_all_scores=True))
    bench.db.close()
    flipped = [[{**r, "is_fraud": "1" if r["is_fraud"] == "0" else ""} for r in records] for records in files]
    bench, unlabelled = _load(model_dsn, flipped, ModelScorer(threshold=0.5, keep_all_scores=True))
    bench.db.close()
    def features(rows: dict) -> dict:  # merchant_id is an identity: a second load numbers merchants anew
        return {k: {n: v for n, v in row.items() if n != "merchant_id"} for k, row in rows.items()}

    assert features(labelled) == features(unlabelled) and len(labelled) == 24


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_leaving_out_rows_that_cannot_reach_the_threshold_changes_no_alert(model_dsn, threshold):
    night = [txn(7, T.replace(day=5, hour=23, minute=m), f"{900 + m}.00", "shopping_net",
                 merch=(38.5, -79.0)) for m in range(3)]
    files = [_day(card, day) for day in range(4) for card in (5, 6, 7)] + [night]
    alerts = []
    for keep_all in (True, False):
        bench, kept = _load(model_dsn, files, ModelScorer(threshold=threshold, keep_all_scores=keep_all))
        alerts.append(bench.query("SELECT trans_num, score, reasons FROM fraud_alert ORDER BY 1"))
        bench.db.close()
        assert len(kept) == (4 * 3 * 4 + 3 if keep_all else len(alerts[-1]))
    assert alerts[0] == alerts[1] and alerts[0]


def test_the_model_reads_only_the_features_its_trees_split_on():
    model = deployed_model()
    read = {model.features[i] for t in model.trees for i in t.feature if i >= 0}
    assert set(model.inputs) == read and "n_1h" not in read
    x = model.vector({name: 1.0 for name in model.inputs} | {"category": "misc_net"})
    unread = [i for i, name in enumerate(model.features) if name not in model.inputs]
    assert unread and model.score(x) == model.score([123.0 if i in unread else v for i, v in enumerate(x)])


def test_training_reads_every_feature_of_its_rows():
    pytest.importorskip("lightgbm")
    rng = random.Random(11)
    rows = []
    for i in range(400):
        row = {name: rng.uniform(0, 5) for name in MODEL_FEATURES if name != "category_code"}
        row.update(amt=rng.uniform(1, 1000), category=rng.choice(["grocery_pos", "misc_net"]),
                   ts=dt.datetime(2019 + i % 2, 6, 1) + dt.timedelta(minutes=i))
        row["is_fraud"] = row["amt"] > 700  # learnable from amt alone
        rows.append(row)
    artifact, train, test = fit(rows, dt.datetime(2020, 1, 1), "test")
    model = Model.from_dict(artifact)
    assert "amt" in model.inputs and len(model.trees) > 1
    assert measure(model, test)["roc_auc"] > 0.95


@pytest.mark.parametrize("trees", [1, 3])
def test_a_model_of_a_few_trees_scores_in_sql_as_in_python(model_dsn, trees):
    small = dataclasses.replace(deployed_model(), trees=deployed_model().trees[:trees])
    files = [_day(card, day) for day in range(2) for card in (5, 6)]
    bench, kept = _load(model_dsn, files, ModelScorer(threshold=0.5, model=small, keep_all_scores=True))
    bench.db.close()
    assert len(kept) == 16
    for row in kept.values():
        assert row["score"] == pytest.approx(small.score(small.vector(row)), abs=1e-12)
