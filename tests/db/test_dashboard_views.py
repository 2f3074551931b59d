"""The dashboard views on a hand-built data set, read as the reporting role, as QuickSight and the page read them."""
import datetime as dt

import psycopg2
import pytest

from reporting.dashboard import REPORTING_ROLE
from reporting.tiles import TILES
from tests.support.dashboard_sample import BASE_TABLES, assert_reporting_role_denied, read_view, sample_transaction

PERSONAL_COLUMNS = {"first", "last", "street", "dob", "card_token", "cc_last4", "job", "zip", "row_data"}


@pytest.fixture
def sample(pg_dsn):
    with sample_transaction(pg_dsn) as conn:
        yield conn


def _by(rows, *keys, measure="transactions"):
    return {tuple(row[k] for k in keys): row[measure] for row in rows}


def test_headline_gives_the_four_numbers(sample):
    rows = read_view(sample, "headline")
    assert sum(r["transactions"] for r in rows) == 6
    assert sum(r["volume_usd"] for r in rows) == pytest.approx(685.75)
    assert sum(r["fraud_transactions"] for r in rows) == 3
    assert len({r["state"] for r in rows}) == 3


def test_headline_is_per_state_and_fraud_label_so_the_filter_applies(sample):
    assert _by(read_view(sample, "headline"), "state", "is_fraud") == {
        ("NY", True): 2, ("CA", False): 2, ("TX", True): 1, ("TX", None): 1}


def test_fraud_by_location_counts_per_tenth_of_a_degree(sample):
    assert _by(read_view(sample, "fraud_by_location"), "latitude", "longitude", "fraud_class") == {
        (40.7, -74.0, "fraud"): 2, (34.1, -118.2, "not_fraud"): 2,
        (29.8, -95.4, "fraud"): 1, (29.8, -95.4, "unlabelled"): 1}


def test_fraud_by_state_counts_transactions_and_volume(sample):
    rows = read_view(sample, "fraud_by_state")
    assert _by(rows, "state", "fraud_class") == {
        ("NY", "fraud"): 2, ("CA", "not_fraud"): 2, ("TX", "fraud"): 1, ("TX", "unlabelled"): 1}
    assert _by(rows, "state", "fraud_class", measure="volume_usd")[("NY", "fraud")] == 300.0


def test_fraud_by_merchant_shows_names_without_the_data_sets_prefix(sample):
    assert _by(read_view(sample, "fraud_by_merchant"), "merchant", "fraud_class") == {
        ("Kub and Sons", "fraud"): 2, ("Kub and Sons", "not_fraud"): 1,
        ("Haley Group", "not_fraud"): 1, ("Haley Group", "fraud"): 1, ("Haley Group", "unlabelled"): 1}


def test_fraud_by_category_counts_per_category_and_label(sample):
    assert _by(read_view(sample, "fraud_by_category"), "category", "is_fraud") == {
        ("shopping_net", True): 2, ("grocery_pos", False): 1, ("home", False): 1,
        ("misc_net", True): 1, ("gas_transport", None): 1}


def test_daily_volume_sums_amounts_per_day_of_the_transaction_time(sample):
    assert _by(read_view(sample, "daily_volume"), "day", "fraud_class", measure="volume_usd") == {
        (dt.date(2024, 4, 28), "fraud"): 300.0, (dt.date(2024, 4, 29), "not_fraud"): 75.5,
        (dt.date(2024, 4, 30), "fraud"): 300.0, (dt.date(2024, 4, 30), "unlabelled"): 10.25}


def test_pipeline_health_tells_freshness_and_rejects(sample):
    (row,) = read_view(sample, "pipeline_health")
    assert row["last_loaded_at"] == row["checked_at"]  # one.csv finished at now(), in this same transaction
    assert row["last_loaded_key"] == "raw-data/one.csv"
    assert (row["files_loaded_last_hour"], row["rows_loaded_last_hour"]) == (1, 6)
    assert (row["rejected_rows_last_hour"], row["rejected_rows"], row["files_rejected"]) == (0, 2, 1)


def test_ingest_files_by_status_totals_the_ledger(sample):
    rows = {r["status"]: r for r in read_view(sample, "ingest_files_by_status")}
    loaded = rows["loaded"]
    assert (loaded["files"], loaded["rows_total"], loaded["rows_inserted"]) == (2, 9, 6)
    assert (loaded["rows_duplicate"], loaded["rows_rejected"]) == (1, 2)
    assert rows["rejected"]["files"] == 1


@pytest.mark.parametrize("table", BASE_TABLES)
def test_reporting_role_cannot_read_the_base_tables(sample, table):
    assert_reporting_role_denied(sample, table)


def test_dashboard_views_have_no_personal_columns(sample):
    with sample.cursor() as cur:
        cur.execute("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'reporting'"
                    " AND table_name = ANY(%s)", ([tile.view for tile in TILES],))
        columns = cur.fetchall()
    assert {view for view, _ in columns} == {tile.view for tile in TILES}
    assert [c for c in columns if c[1] in PERSONAL_COLUMNS] == []


def test_reporting_role_cannot_change_what_it_reads(sample):
    with sample.cursor() as cur:
        cur.execute(f"SET ROLE {REPORTING_ROLE}")
        with pytest.raises(psycopg2.Error):
            cur.execute("CREATE VIEW reporting.sneaky AS SELECT 1")
