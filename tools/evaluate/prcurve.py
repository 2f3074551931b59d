"""The precision-recall curve of an evaluation as a PNG (matplotlib, a dev dependency, loaded only here)."""
from __future__ import annotations

from pathlib import Path

from tools.evaluate.metrics import AtThreshold


def write_pr_curve(path: str | Path, points: list[tuple[float, float, float]], base_rate: float,
                   at: AtThreshold, title: str) -> str:
    """Draw recall (x) against precision (y), mark the operating threshold; returns the file's path."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    try:
        recalls = [0.0] + [r for _, _, r in points]
        precisions = [points[0][1] if points else 1.0] + [p for _, p, _ in points]
        ax.step(recalls, precisions, where="post", color="#1c7ed6", linewidth=2, label="rules")
        ax.axhline(base_rate, color="#868e96", linestyle="--", linewidth=1, label=f"fraud rate {base_rate:.2%}")
        ax.plot([at.recall], [at.precision], "o", color="#e03131", markersize=8,
                label=f"threshold {at.threshold:g}: P={at.precision:.2f} R={at.recall:.2f}")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall (share of frauds alerted)")
        ax.set_ylabel("precision (share of alerts that are fraud)")
        ax.set_title(title, fontsize=11)
        ax.grid(True, color="#e9ecef")
        ax.legend(loc="lower left", fontsize=9)
        fig.tight_layout()
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out)
    finally:
        plt.close(fig)
    return str(out.resolve())
