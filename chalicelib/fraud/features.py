"""The fraud model's features, set-based in the loader's transaction, from compact per-card state.

`build` makes the temporary table `fraud_features` (one row per new transaction of the file, columns named as
FEATURES) from the card's running aggregates, its recent rows and its first uses (sql/040_fraud_features.sql),
never from windows over all stored rows; `remember` then folds the file's new rows into that state. Only rows
this transaction inserted count (chalicelib/fraud/sql/features_new.sql), so a reloaded file changes nothing.
The first uses are written only for the rows that are first uses (new_merchant / new_category).
Temp tables, all dropped at commit: `fraud_new` (the new rows), `fraud_features` (their features).
"""
from __future__ import annotations

from psycopg2 import sql

from chalicelib.platform.sqlfiles import sql_text

RECENT_DAYS = 14  # fraud_card_recent keeps this much of each card: the 7-day window, plus 7 days of lateness

# The model's inputs, in the artifact's order; each is a column of fraud_features (category_code is derived
# from `category` by the model, with the artifact's list of categories).
FEATURES = ("amt", "amt_vs_card", "amt_vs_category", "n_prior", "hour", "night", "age", "km", "new_merchant",
            "new_category", "hours_since_prev", "n_1h", "amt_1h", "n_24h", "amt_24h", "n_7d", "amt_7d",
            "category_code")
# Display-only columns a reason may quote.
CONTEXT = ("trans_num", "ts", "category", "card_typical", "category_typical")


class FraudFeatures:
    """The two halves of the feature step, around whatever reads `fraud_features` in between."""

    def __init__(self, recent_days: int = RECENT_DAYS):
        if recent_days < 7:
            raise ValueError("recent_days must cover the 7-day velocity window")
        self._params = {"recent_days": recent_days}

    def build(self, cur, all_new: bool = False) -> int:
        """fraud_new and fraud_features for the rows this transaction inserted; how many there are. `all_new`:
        the loader inserted every good row of the file (no duplicates), so they are read from `stage` alone."""
        cur.execute(sql_text("fraud", "features_new_all" if all_new else "features_new"))
        new_rows = cur.rowcount
        cur.execute("ANALYZE fraud_new")  # a fresh temp table has no statistics; the joins need its size
        cur.execute(sql_text("fraud", "features_category"))
        cur.execute(sql_text("fraud", "features_rows"))
        return new_rows

    def remember(self, cur) -> None:
        """Fold the new rows into the per-card state (after the features read the state before them)."""
        cur.execute(sql_text("fraud", "features_cards"))
        cur.execute(sql_text("fraud", "features_seen"))
        cur.execute(sql_text("fraud", "features_recent"), self._params)


def copy_features(cur, table: str) -> None:
    """After `build`: append every new row's features to `table` (made on first use with fraud_features'
    columns, then is_fraud), joined with its stored label, without a round trip through Python."""
    name = sql.Identifier(table)
    cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} AS SELECT f.*, NULL::boolean AS is_fraud FROM fraud_features f "
                        "WITH NO DATA").format(name))
    cur.execute(sql.SQL("INSERT INTO {} SELECT f.*, t.is_fraud FROM fraud_features f "
                        "JOIN card_transaction t USING (trans_num)").format(name))
