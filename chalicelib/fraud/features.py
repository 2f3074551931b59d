"""The fraud model's features, set-based in the loader's transaction, from compact per-card state.

`select` computes the features of each new transaction of the file (made ready by `prepare`; `build` writes them
to the temporary table `fraud_features`) from the card's running aggregates, its recent rows and its first uses
(sql/040_fraud_features.sql), never from windows over all stored rows; `remember` then folds the file's new rows
into that state. Only rows this transaction inserted count (chalicelib/fraud/sql/features_new.sql), so a
reloaded file changes nothing.

The features are the ones asked for: a scorer asks for what its model reads (`Model.inputs`), training for
every feature. chalicelib/fraud/sql/features_rows.sql is the one spelling of every feature, and PostgreSQL
leaves out the windows and joins no asked-for column needs. The parts of the state (PARTS) are listed in
fraud_state_part while they are complete (sql/060_fraud_state_parts.sql): the profiles whenever the loader
scores, the merchant first uses and the recent rows only while a feature asked for needs them; a part asked for
and not listed is rebuilt from the stored rows first. Temp tables, all dropped at commit: `fraud_new` (the new
rows), `fraud_new_pair` and `fraud_new_category` (their sums), `fraud_features` (their features, for training).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from psycopg2 import sql

from chalicelib.platform.sqlfiles import sql_text

RECENT_DAYS = 14  # fraud_card_recent keeps this much of each card: the 7-day window, plus 7 days of lateness

# Every feature a model may read, in training's order; each but category_code is a column of features_rows.sql
# (category_code is derived from `category` by the model, with the artifact's list of categories).
FEATURES = ("amt", "amt_vs_card", "amt_vs_category", "n_prior", "hour", "night", "age", "km", "new_merchant",
            "new_category", "hours_since_prev", "n_1h", "amt_1h", "n_24h", "amt_24h", "n_7d", "amt_7d",
            "category_code")
# Always selected: what a reason may quote, and the row's keys.
CONTEXT = ("trans_num", "card_token", "merchant_id", "ts", "category", "amt", "card_typical", "category_typical")
_DERIVED = frozenset({"category_code"})


@dataclass(frozen=True)
class Part:
    """A part of the per-card state: kept (each load adds its rows) while a feature needs it."""
    name: str  # fraud_state_part.part; chalicelib/fraud/sql/rebuild_<name>.sql rebuilds it from the stored rows
    needed_by: frozenset[str]
    drop: str | None = None  # run when it stops being kept: its rows would otherwise be read stale


# The profiles and the categories' first uses: every load that scores keeps them (the context columns read them).
CARD_PROFILE = Part("card_profile", frozenset(FEATURES))  # features_cards / features_category / features_seen 'c'
MERCHANT_FIRST_USE = Part("merchant_first_use", frozenset({"new_merchant"}))  # features_seen.sql, kind 'm'
RECENT_ROWS = Part("recent_rows", frozenset({"hours_since_prev", "n_1h", "amt_1h", "n_24h", "amt_24h", "n_7d",
                                              "amt_7d"}), drop="DELETE FROM fraud_card_recent")  # features_recent.sql
PARTS = (CARD_PROFILE, MERCHANT_FIRST_USE, RECENT_ROWS)  # rebuilt in this order: the recent rows read the profiles
_PARTS_LOCK = 0x66727374  # "frst": shared by the loads that read the kept parts, exclusive to change them


class FraudFeatures:
    """The two halves of the feature step, around whatever reads `fraud_features` in between."""

    def __init__(self, recent_days: int = RECENT_DAYS, features: Iterable[str] = FEATURES):
        if recent_days < 7:
            raise ValueError("recent_days must cover the 7-day velocity window")
        wanted = set(features)
        if unknown := wanted - set(FEATURES):
            raise ValueError(f"unknown features: {sorted(unknown)}")
        self._params = {"recent_days": recent_days}
        self.features = tuple(name for name in FEATURES if name in wanted)
        self.parts = (CARD_PROFILE,) + tuple(part for part in PARTS[1:] if part.needed_by & wanted)
        columns = dict.fromkeys(CONTEXT + tuple(name for name in self.features if name not in _DERIVED))
        merchant_id = "m.merchant_id" if MERCHANT_FIRST_USE in self.parts else "NULL::bigint"
        self._new_all = sql.SQL(sql_text("fraud", "features_new_all")).format(merchant_id=sql.SQL(merchant_id))
        # our own column names, checked against FEATURES above: nothing here comes from outside
        self.select = f"SELECT {', '.join(columns)} FROM ({sql_text('fraud', 'features_rows')}\n) f"

    def prepare(self, cur, all_new: bool = False) -> int:
        """fraud_new (the rows this transaction inserted) and the state the features read; how many rows are new.
        `all_new`: the loader inserted every good row of the file (no duplicates), so they are read from `stage`
        alone. Then `select` gives their features (a scorer reads them once, as a subquery)."""
        self.settle(cur)
        cur.execute(self._new_all if all_new else sql_text("fraud", "features_new"))
        new_rows = cur.rowcount
        cur.execute(sql_text("fraud", "features_new_pair"))
        cur.execute(sql_text("fraud", "features_new_category"))
        # The file's first uses are stored first: the features know them by who wrote them (features_rows.sql).
        cur.execute(_first_uses("c", "SELECT card_token, category AS item, first_ts FROM fraud_new_pair"))
        if MERCHANT_FIRST_USE in self.parts:
            cur.execute(_first_uses("m", "SELECT card_token, merchant_id::text AS item, min(ts) AS first_ts "
                                         "FROM fraud_new GROUP BY 1, 2"))
        # A few rows, analyzed in a millisecond: without statistics the planner takes the table for a large one and
        # sorts the file's rows to merge-join it with them.
        cur.execute("ANALYZE fraud_new_category")
        return new_rows

    def build(self, cur, all_new: bool = False) -> int:
        """`prepare`, then the temporary table fraud_features with the new rows' features (for training and
        tests, which read them more than once); how many rows are new."""
        new_rows = self.prepare(cur, all_new)
        cur.execute(f"CREATE TEMP TABLE fraud_features ON COMMIT DROP AS {self.select}")
        return new_rows

    def remember(self, cur) -> None:
        """Fold the new rows into the per-card state, after the features read the state before them (the
        first uses went in before: the features tell them apart)."""
        cur.execute(sql_text("fraud", "features_cards"))
        cur.execute(sql_text("fraud", "features_category"))
        if RECENT_ROWS in self.parts:
            cur.execute(sql_text("fraud", "features_recent"), self._params)

    def settle(self, cur) -> None:
        """Make the list of kept state parts true for these features, before they read the state. A load that
        keeps the list as it is holds a shared lock until it commits; one that changes it holds the exclusive
        lock, so it waits for the loads reading the parts (a rebuild then sees their rows; a drop never pulls
        rows from under a load that reads them) and they wait for it. Loads of two models (a deploy's minutes)
        take turns; two that both change the list may deadlock, and PostgreSQL stops one, which is retried."""
        kept = self._kept(cur)
        changes = self._changes(kept)
        cur.execute(f"SELECT pg_advisory_xact_lock{'' if changes else '_shared'}(%s)", (_PARTS_LOCK,))
        kept = self._kept(cur)  # again, under the lock: another load may have changed the list meanwhile
        if self._changes(kept) and not changes:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_PARTS_LOCK,))
            kept = self._kept(cur)
        for part in self._changes(kept):
            if part in self.parts:
                cur.execute(sql_text("fraud", f"rebuild_{part.name}"), self._params)
            else:
                cur.execute("DELETE FROM fraud_state_part WHERE part = %s", (part.name,))
                if part.drop:
                    cur.execute(part.drop)

    def _changes(self, kept: set[str]) -> list[Part]:
        """The parts to rebuild (needed, not kept) or to drop (kept, not needed)."""
        return [part for part in PARTS if (part in self.parts) != (part.name in kept)]

    @staticmethod
    def _kept(cur) -> set[str]:
        cur.execute("SELECT part FROM fraud_state_part")
        return {row[0] for row in cur.fetchall()}


def forget_state(cur, _context=None) -> int:
    """A loader hook for a stage that does not score: no part of the per-card state is kept any more, so none is
    listed as complete (a load that scores again rebuilds them first). Alerts raised: none."""
    cur.execute("SELECT EXISTS (SELECT FROM fraud_state_part)")
    if cur.fetchone()[0]:  # only the first load after scoring stopped changes anything
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_PARTS_LOCK,))
        cur.execute("DELETE FROM fraud_state_part")
        cur.execute(RECENT_ROWS.drop)
    return 0


forget_state.scores = False  # the loader's metrics: these files' rows are not scored


def rebuild_state(cur) -> None:
    """Every part of the per-card state rebuilt from the stored rows (those of earlier transactions), and listed:
    for a history written around the loader (the at-scale benchmark) or a check that the loads left the same."""
    cur.execute("DELETE FROM fraud_state_part")
    FraudFeatures().settle(cur)


def _first_uses(kind: str, firsts: str) -> sql.Composed:
    """features_seen.sql for one kind of first use ('c' category, 'm' merchant), given the query of each card's
    first second with each item in the file."""
    return sql.SQL(sql_text("fraud", "features_seen")).format(kind=sql.Literal(kind), firsts=sql.SQL(firsts))


def copy_features(cur, table: str) -> None:
    """After `build`: append every new row's features to `table` (made on first use with fraud_features'
    columns, then is_fraud), joined with its stored label, without a round trip through Python."""
    name = sql.Identifier(table)
    cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} AS SELECT f.*, NULL::boolean AS is_fraud FROM fraud_features f "
                        "WITH NO DATA").format(name))
    cur.execute(sql.SQL("INSERT INTO {} SELECT f.*, t.is_fraud FROM fraud_features f "
                        "JOIN card_transaction t USING (trans_num)").format(name))
