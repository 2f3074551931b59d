"""The temporary tables one file's load passes between its SQL steps: the one place that names them.

A file loads in one database transaction (load/loader.py): COPY into `stage`, then the set-based steps of
load/sql/ (run in order by load/rows.py), then the loader's hooks (fraud/scorer.py and fraud/sql/). Each step
reads what an earlier one left in a temporary table; every such table is dropped at commit (ON COMMIT DROP),
so nothing here outlives the file. A step is named "<stage>/<file>": a statement in chalicelib/<stage>/sql/,
or a module in chalicelib/<stage>/. tests/unit/test_load_steps.py reads every SQL file and module and fails
when one writes or reads a table in a way this table does not say.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TempTable:
    name: str
    holds: str
    columns: str
    written_by: tuple[str, ...]  # creates it or changes its rows
    read_by: tuple[str, ...]


STAGE = TempTable(
    "stage",
    "the file's rows as text, exactly as COPY read them; a row is good while its reason is NULL",
    "line_no (the CSV record number, header = 1), the 23 stream columns as text, reason (every problem, '; ')",
    written_by=("load/stage.sql", "load/rows.py", "load/check_rows.sql", "load/reject_merchants.sql",
                "load/reject_customers.sql"),
    read_by=("load/check_rows.sql", "load/check_merchants.sql", "load/check_customers.sql",
             "load/reject_customers.sql", "load/record_rejects.sql", "load/insert_facts.sql",
             "load/update_labels.sql", "fraud/cards.sql", "fraud/features_new.sql", "fraud/features_new_all.sql"),
)
MERCHANT_SEEN = TempTable(
    "merchant_seen",
    "each distinct (merchant, category) pair of the file, checked once",
    "merchant, category, has_good_rows (a row of the pair is still good), reason",
    written_by=("load/check_merchants.sql", "load/reject_customers.sql"),
    read_by=("load/rows.py", "load/reject_merchants.sql", "load/upsert_merchants.sql"),
)
CUSTOMER_SEEN = TempTable(
    "customer_seen",
    "each distinct combination of the cardholder fields (about one per card), checked once",
    "card_token, cc_last4 ... dob (the 14 cardholder columns), last_seen, last_line (its latest good row), reason",
    written_by=("load/check_customers.sql",),
    read_by=("load/rows.py", "load/reject_customers.sql", "load/upsert_addresses.sql", "load/upsert_customers.sql",
             "fraud/features_new_all.sql"),
)
FRAUD_CARDS = TempTable(
    "fraud_cards",
    "the cards of the file's good rows, for the scoring",
    "card_id (small, for sorts), card_token, since, until (the history window), home_lat, home_long, home_cos_lat",
    written_by=("fraud/cards.sql",),
    read_by=("fraud/scorer.py", "fraud/score.sql"),
)
FRAUD_SCORE = TempTable(
    "fraud_score",
    "the file's new transactions, scored: those at or above the alert threshold (or all, keep_all_scores)",
    "trans_num, the features, x_<rule> (signals), s_<rule> (strengths), score; read through "
    "fraud/scorer.py's scored_rows() and copy_scores(), never by name outside chalicelib",
    written_by=("fraud/scorer.py",),  # CREATE TEMP TABLE fraud_score AS <fraud/sql/score.sql>
    read_by=("fraud/scorer.py", "fraud/insert_alerts.sql"),
)

FRAUD_NEW = TempTable(
    "fraud_new",
    "the rows this transaction inserted (a reloaded file's duplicates are not among them), for the model's features",
    "trans_num, card_token, ts, amt, cents, category, merchant_id, the row's own fields the features use",
    written_by=("fraud/features_new.sql", "fraud/features_new_all.sql"),
    read_by=("fraud/features_new_pair.sql", "fraud/features_recent.sql", "fraud/features_rows.sql",
             "fraud/features.py"),  # features.py: the merchants' first uses, when they are kept
)
FRAUD_NEW_PAIR = TempTable(
    "fraud_new_pair",
    "the file's new rows per card and category, summed once for the categories, the cards and the first uses",
    "card_token, category, n, lamt_units (the exact sum of ln(amt + 1) in units of 2^-32), first_ts, last_ts",
    written_by=("fraud/features_new_pair.sql",),
    read_by=("fraud/features_new_category.sql", "fraud/features_cards.sql", "fraud/features.py"),
)
FRAUD_NEW_CATEGORY = TempTable(
    "fraud_new_category",
    "the file's new rows per category, summed once for the features and for the stored running aggregates",
    "category, n, sum_lamt (the sum of ln(amt + 1))",
    written_by=("fraud/features_new_category.sql",),
    read_by=("fraud/features_rows.sql", "fraud/features_category.sql"),
)
FRAUD_FEATURES = TempTable(
    "fraud_features",
    "training's and the tests' copy of FraudFeatures.select: one row per new transaction, the features asked for",
    "fraud/features.py's CONTEXT columns and the features asked for (float8); read outside chalicelib only "
    "through fraud/features.py's copy_features()",
    written_by=("fraud/features.py",),  # CREATE TEMP TABLE fraud_features AS SELECT ... FROM (features_rows.sql)
    read_by=("fraud/features.py",),  # copy_features() (training); the scorer reads FraudFeatures.select itself
)
FRAUD_MODEL_SCORE = TempTable(
    "fraud_model_score",
    "the model's scores at or above the threshold (every new row's with keep_all_scores), with their features",
    "fraud_features' columns, category_code, head (the first half of the trees), score; read outside chalicelib "
    "only through fraud/scoring.py's copy_model_scores()",
    written_by=("fraud/scoring.py",),
    read_by=("fraud/scoring.py",),
)

TEMP_TABLES = (STAGE, MERCHANT_SEEN, CUSTOMER_SEEN, FRAUD_CARDS, FRAUD_SCORE, FRAUD_NEW, FRAUD_NEW_PAIR,
               FRAUD_NEW_CATEGORY, FRAUD_FEATURES, FRAUD_MODEL_SCORE)
