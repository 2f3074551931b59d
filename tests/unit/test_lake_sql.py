"""The lake's SQL: every statement parses as Trino (Athena's engine), and the typed view keeps the dictionary."""
import datetime as dt

import pytest
import sqlglot
from sqlglot import exp

from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.dictionary.kinds import CANONICAL_PATTERNS
from chalicelib.lake import statements

LOCATION = "s3://cardstream-dev-landing-123456789012/lake/transactions/"


def all_statements() -> dict[str, str]:
    found = {f"tile_{t}": statements.tile_query(t) for t in statements.TILES}
    found["typed_view"], found["curated_table"], found["reporting_view"] = statements.bootstrap_statements(LOCATION)
    found["compact"] = statements.compaction_sql(dt.date(2026, 12, 4), dt.date(2026, 12, 6))
    return found


@pytest.mark.parametrize("name", sorted(all_statements()))
def test_every_lake_statement_parses_as_one_trino_statement(name):
    parsed = sqlglot.parse(all_statements()[name], read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    assert len(parsed) == 1 and parsed[0] is not None


def test_every_sql_file_is_used():
    files = {p.stem for p in statements.SQL_DIR.glob("*.sql")}
    assert files == {"curated_table", "compact", "reporting_view", *(f"tile_{t}" for t in statements.TILES)}


def test_the_typed_view_checks_every_stream_column_with_its_dictionary_pattern():
    where = sqlglot.parse_one(statements.typed_view_sql(), read="trino").find(exp.Select).args["where"]
    checked = {call.sql("trino") for call in where.find_all(exp.RegexpLike)}
    for column in STREAM_COLUMNS:
        assert any(f"'^(?:{CANONICAL_PATTERNS[column].pattern}" in c and column in c for c in checked), column


def test_the_curated_table_is_iceberg_partitioned_by_transaction_day_at_its_location():
    ddl = statements.curated_table_sql(LOCATION)
    tree = sqlglot.parse_one(ddl, read="trino")
    assert tree.find(exp.PartitionedByProperty).this.sql("trino") == "(DAY(trans_date_trans_time))"
    assert f"LOCATION '{LOCATION}'" in ddl and "'table_type' = 'ICEBERG'" in ddl


@pytest.mark.parametrize("location", ["https://x/", "s3://b/it's/"])
def test_a_location_that_is_not_a_plain_s3_uri_is_refused(location):
    with pytest.raises(ValueError):
        statements.curated_table_sql(location)


def test_the_compaction_window_takes_dates_only():
    merge = statements.compaction_sql(dt.date(2026, 12, 4), dt.date(2026, 12, 6))
    assert "BETWEEN '2026-12-04' AND '2026-12-06'" in merge
    with pytest.raises(ValueError):
        statements.compaction_sql("2026-12-04' OR 1=1 --", dt.date(2026, 12, 6))
    with pytest.raises(ValueError):
        statements.compaction_sql(dt.date(2026, 12, 6), dt.date(2026, 12, 4))


def test_the_curated_table_and_the_tiles_hold_no_personal_fields():
    trees = [sqlglot.parse_one(sql, read="trino") for sql in
             [statements.curated_table_sql(LOCATION), *(statements.tile_query(t) for t in statements.TILES)]]
    names = {node.name for tree in trees for node in [*tree.find_all(exp.ColumnDef), *tree.find_all(exp.Column)]}
    assert "trans_num" in names and "amt" in names
    assert names.isdisjoint({"first", "last", "street", "dob", "job", "card_token", "cc_last4"})
