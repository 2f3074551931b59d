"""Quality measures of a score against labels, in plain Python (no numpy needed on a fresh machine)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AtThreshold:
    threshold: float
    alerts: int
    true_positives: int
    precision: float
    recall: float
    f1: float
    alert_rate: float


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive scores above a random negative (ties count one half)."""
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if not positives or not negatives:
        raise ValueError("ROC AUC needs both positive and negative labels")
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: pair[0])
    rank_sum, i = 0.0, 0
    while i < len(ranked):  # average ranks over ties (Mann-Whitney U)
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        average_rank = (i + j) / 2 + 1
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if ranked[k][1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def at_threshold(scores: Sequence[float], labels: Sequence[bool], threshold: float) -> AtThreshold:
    """Precision, recall, F1 and alert rate when every score >= threshold alerts."""
    alerts = sum(1 for s in scores if s >= threshold)
    hits = sum(1 for s, y in zip(scores, labels, strict=True) if y and s >= threshold)
    positives = sum(1 for y in labels if y)
    precision = hits / alerts if alerts else 0.0
    recall = hits / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return AtThreshold(threshold, alerts, hits, precision, recall, f1, alerts / len(scores) if scores else 0.0)


def recall_at_alert_rate(scores: Sequence[float], labels: Sequence[bool], rate: float) -> float:
    """Recall when only the top `rate` share of transactions (by score) alert."""
    budget = int(len(scores) * rate)
    positives = sum(1 for y in labels if y)
    if not positives:
        return 0.0
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    return sum(1 for _, y in ranked[:budget] if y) / positives


NATURAL_FRAUD_RATE = 0.0052  # the whole Sparkov data set's (fraudTrain + fraudTest)


def recall_at_natural_alert_rate(scores: Sequence[float], labels: Sequence[bool], rate: float,
                                 fraud_rate: float = NATURAL_FRAUD_RATE) -> float:
    """The best recall whose alert rate, were frauds `fraud_rate` of the rows (legitimate rows reweighted), stays
    within `rate`: a fraud-heavy sample's own alert rate caps recall at rate / its fraud share, which says nothing
    about the model. Alert rate there = fraud_rate * recall + (1 - fraud_rate) * false-positive rate."""
    positives = sum(1 for y in labels if y)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return 0.0
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    best, hits, false = 0.0, 0, 0
    for i, (score, label) in enumerate(ranked):
        hits, false = hits + label, false + (not label)
        if i + 1 < len(ranked) and ranked[i + 1][0] == score:
            continue  # one threshold takes every row of its score
        if fraud_rate * hits / positives + (1 - fraud_rate) * false / negatives <= rate:
            best = max(best, hits / positives)
    return best


def pr_curve(scores: Sequence[float], labels: Sequence[bool]) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) at every distinct score, from the highest down."""
    positives = sum(1 for y in labels if y)
    ranked = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    points, hits = [], 0
    for i, (score, label) in enumerate(ranked):
        hits += label
        if i + 1 == len(ranked) or ranked[i + 1][0] != score:
            points.append((score, hits / (i + 1), hits / positives if positives else 0.0))
    return points


def average_precision(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the PR curve as the mean precision at each recall step."""
    area, last_recall = 0.0, 0.0
    for _, precision, recall in pr_curve(scores, labels):
        area += precision * (recall - last_recall)
        last_recall = recall
    return area
