"""`python -m tools.evaluate FILE.csv`: the fraud model measured on a labelled file, through the real loader.

The file's valid rows (tokenized in-process) are cut into time-ordered raw CSV files and loaded one by one
by chalicelib's Loader with the same ModelScorer hook the pipeline runs, into a scratch database made and
dropped for the run on the server it is given (`make evaluate` starts an embedded one when there is none).
History builds up file by file as it would live. A second hook keeps every new row's score (the pipeline keeps only the
alerts), and only then are the labels read, to measure the scores: all rows, or (`measure_from`) only those from
a transaction time on, the others being history only (the out-of-time slice of a file trained on before it).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg2
from psycopg2 import sql

from chalicelib.fraud.scoring import ModelScorer, copy_model_scores
from chalicelib.load.loader import Loader
from chalicelib.platform.db import SESSION_SETTINGS, Database
from chalicelib.platform.migrate import apply_migrations
from tools.evaluate import metrics
from tools.evaluate.labelled import LabelledRows

BUCKET = "evaluation"
ALERT_BUDGET = 0.01  # "recall at 1% alert rate"
TIGHT_BUDGET = 0.005


@dataclass
class Evaluation:
    rows: int
    frauds: int
    auc: float
    at: metrics.AtThreshold
    recall_at_budget: float
    recall_at_tight_budget: float
    recall_at_natural_budget: float  # at <= 1% alerts were the file at the data set's fraud rate
    average_precision: float
    curve: list[tuple[float, float, float]]
    alerts_stored: int
    rules_on_frauds: Counter = field(default_factory=Counter)  # rule -> alerted frauds it gave a reason for
    rules_on_false: Counter = field(default_factory=Counter)
    examples: list = field(default_factory=list)  # (score, is_fraud, reasons) of the top-scored alerts


def evaluate_rows(dsn: str, rows: LabelledRows, scorer: ModelScorer, rows_per_file: int,
                  measure_from: dt.datetime | None = None, keep_alerts: int = 0) -> Evaluation:
    """Load `rows` file by file into the (migrated, empty) database at `dsn` and measure the scores (of the rows
    from `measure_from` on, when given)."""
    db = Database(lambda: psycopg2.connect(dsn, options=session_options()))
    try:
        db.transaction(lambda cur: cur.execute(
            "CREATE TABLE evaluation_score (trans_num text PRIMARY KEY, score float8 NOT NULL)"))
        shelf = MemoryShelf()
        loader = Loader(shelf, db, "quarantine/", hooks=(scorer, _keep_scores))
        with contextlib.redirect_stdout(io.StringIO()):  # the loader logs a line per file
            for number, body in enumerate(rows.files(rows_per_file)):
                key = shelf.put(f"raw-data/evaluation/{number:06d}.csv", body)
                result = loader.load_object(BUCKET, key)
                if result.status != "loaded" or result.rows_rejected:
                    raise RuntimeError(f"file {number} did not load cleanly: {result}")
        since = measure_from or dt.datetime.min
        result = db.transaction(lambda cur: _measure(cur, scorer.threshold, since))
        result.examples = db.transaction(lambda cur: _examples(cur, since, keep_alerts)) if keep_alerts else []
        return result
    finally:
        db.close()


def _keep_scores(cur, _context) -> None:
    copy_model_scores(cur, "evaluation_score")


def _measure(cur, threshold: float, since: dt.datetime) -> Evaluation:
    cur.execute("SELECT e.score, t.is_fraud FROM evaluation_score e JOIN card_transaction t USING (trans_num) "
                "WHERE t.is_fraud IS NOT NULL AND t.trans_date_trans_time >= %s ORDER BY t.trans_num", (since,))
    pairs = cur.fetchall()
    scores, labels = [s for s, _ in pairs], [bool(y) for _, y in pairs]
    cur.execute("SELECT count(*) FROM fraud_alert JOIN card_transaction t USING (trans_num) "
                "WHERE t.trans_date_trans_time >= %s", (since,))
    stored = cur.fetchone()[0]
    cur.execute("SELECT split_part(r, ':', 1), t.is_fraud, count(*) FROM fraud_alert a "
                "JOIN card_transaction t USING (trans_num), unnest(a.reasons) AS r "
                "WHERE t.trans_date_trans_time >= %s GROUP BY 1, 2", (since,))
    on_frauds, on_false = Counter(), Counter()
    for rule, is_fraud, n in cur.fetchall():
        (on_frauds if is_fraud else on_false)[rule] += n
    return Evaluation(
        rows=len(pairs), frauds=sum(labels), auc=metrics.roc_auc(scores, labels),
        at=metrics.at_threshold(scores, labels, threshold),
        recall_at_budget=metrics.recall_at_alert_rate(scores, labels, ALERT_BUDGET),
        recall_at_tight_budget=metrics.recall_at_alert_rate(scores, labels, TIGHT_BUDGET),
        recall_at_natural_budget=metrics.recall_at_natural_alert_rate(scores, labels, ALERT_BUDGET),
        average_precision=metrics.average_precision(scores, labels),
        curve=metrics.pr_curve(scores, labels), alerts_stored=stored,
        rules_on_frauds=on_frauds, rules_on_false=on_false)


def _examples(cur, since: dt.datetime, count: int) -> list:
    # a confirmed fraud, a false alert and the rest by score: what an analyst would see
    cur.execute("SELECT a.score::float8, t.is_fraud, a.reasons FROM fraud_alert a JOIN card_transaction t "
                "USING (trans_num) WHERE t.trans_date_trans_time >= %s "
                "ORDER BY row_number() OVER (PARTITION BY t.is_fraud ORDER BY a.score DESC, a.trans_num), "
                "t.is_fraud DESC LIMIT %s", (since, count))
    return cur.fetchall()


@contextlib.contextmanager
def scratch_database(server_dsn: str) -> Iterator[str]:
    """A new, migrated, empty database on the server at `server_dsn` for one run, dropped afterwards."""
    name = f"cardstream_eval_{secrets.token_hex(4)}"
    _run_autocommit(server_dsn, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        dsn = psycopg2.extensions.make_dsn(server_dsn, dbname=name)
        _migrate(dsn)
        yield dsn
    finally:
        _run_autocommit(server_dsn, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _migrate(dsn: str) -> None:
    conn = psycopg2.connect(dsn)
    try:
        apply_migrations(conn)
    finally:
        conn.close()


def _run_autocommit(dsn: str, statement: sql.Composable) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def session_options() -> str:
    return " ".join(f"-c {name}={value}" for name, value in SESSION_SETTINGS.items())


class MemoryShelf:
    """The few S3 calls the loader makes, served from memory: the evaluation needs no bucket."""

    def __init__(self):
        self._objects: dict[str, bytes] = {}

    def put(self, key: str, body: bytes) -> str:
        self._objects[key] = body
        return key

    def get_object(self, Bucket: str, Key: str) -> dict:  # noqa: N803 (boto3's argument names)
        body = self._objects[Key]
        return {"ETag": f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"', "Body": io.BytesIO(body)}


def evaluate_file(path: str, *, database_url: str, threshold: float | None, rows_per_file: int,
                  pr_curve: str | None, out=print, measure_from: dt.datetime | None = None) -> int:
    """The CLI: read, load, score, measure, report. Exit status 0, or 2 when the file cannot be evaluated."""
    from tools.evaluate.labelled import NotEvaluable, read_labelled

    try:
        rows = read_labelled(path)
    except NotEvaluable as exc:
        out(f"evaluate: cannot evaluate: {exc}")
        return 2
    valid = len(rows.records)
    out(f"evaluate: {path}: {valid + rows.rejected:,} rows, {valid:,} valid ({rows.rejected:,} rejected), "
        f"{rows.frauds:,} frauds ({rows.frauds / max(rows.labelled, 1):.2%} of {rows.labelled:,} labelled)")
    for reason, count in rows.reasons.most_common(3):
        out(f"  rejected {count:,}: {reason}")
    where = "the server given"
    out(f"evaluate: loading {(valid + rows_per_file - 1) // rows_per_file} files of <= {rows_per_file} rows in "
        f"transaction time order through the loader into a scratch database on {where}")
    scorer = ModelScorer(threshold, keep_all_scores=True)  # the measures need every row's score
    if measure_from:
        out(f"evaluate: measuring the rows from {measure_from:%Y-%m-%d %H:%M:%S} on; the earlier ones are history")
    with scratch_database(database_url) as dsn:
        result = evaluate_rows(dsn, rows, scorer, rows_per_file, measure_from)
    for line in format_report(result, scorer.model.version):
        out(line)
    if pr_curve:
        from tools.evaluate.prcurve import write_pr_curve

        title = f"{path.rsplit('/', 1)[-1]}: AUC {result.auc:.3f}, {result.frauds} frauds in {result.rows:,}"
        png = write_pr_curve(pr_curve, result.curve, result.frauds / result.rows, result.at, title)
        out(f"  PR curve                {png}")
    at = result.at
    out(f"evaluate: auc={result.auc:.4f} precision={at.precision:.4f} recall={at.recall:.4f} "
        f"alert_rate={at.alert_rate:.4f}")
    return 0


def format_report(result: Evaluation, model_version: str) -> list[str]:
    at = result.at
    lines = [
        f"  ROC AUC                 {result.auc:.4f}",
        f"  average precision       {result.average_precision:.4f}",
        f"  threshold               {at.threshold:g} ({model_version})",
        f"  alerts                  {at.alerts:,} ({at.alert_rate:.2%} of {result.rows:,}); "
        f"fraud_alert holds {result.alerts_stored:,}",
        f"  precision/recall/F1     {at.precision:.3f} / {at.recall:.3f} / {at.f1:.3f} "
        f"({at.true_positives} of {result.frauds} frauds alerted)",
        f"  recall at {TIGHT_BUDGET:.1%} alerts   {result.recall_at_tight_budget:.3f}",
        f"  recall at {ALERT_BUDGET:.0%} alerts     {result.recall_at_budget:.3f}",
        f"  recall at <= {ALERT_BUDGET:.0%} alerts at {metrics.NATURAL_FRAUD_RATE:.2%} fraud (reweighted) "
        f"{result.recall_at_natural_budget:.3f}",
    ]
    for label, counter in (("reasons on true alerts ", result.rules_on_frauds),
                           ("reasons on false alerts", result.rules_on_false)):
        top = ", ".join(f"{rule} {n}" for rule, n in counter.most_common()) or "none"
        lines.append(f"  {label} {top}")
    return lines
