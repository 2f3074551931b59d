"""The lake's statements, transpiled to DuckDB, over the raw files in the (moto) bucket, give the same tiles as
PostgreSQL's reporting views on the same rows; the compaction dedupes, places late rows, and is idempotent."""
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.lake.statements import TILES
from chalicelib.platform.clients import get_client
from infra.local.lake import LocalLake, compare, fetch_raw_files, postgres_tiles, report
from tests.support.rawfiles import BUCKET, clear_tables, execute, make_loader, put_file, raw_key, record

STATES = ("NC", "WA", "ID")


def _rows(n: int, day: str, start: int = 0) -> list[dict]:
    return [record(card=(start + i) % 7, state=STATES[(start + i) % 7 % 3], zip=f"{10000 + (start + i) % 7}",
                   street=f"{(start + i) % 7} Lake Street", amt=f"{(start + i) * 3 + 1}.{i % 100:02d}",
                   category=("grocery_pos", "misc_net", "travel")[i % 3],
                   merchant=f"fraud_Merchant {i % 4}", is_fraud=("0", "1", "")[i % 3],
                   trans_date_trans_time=f"{day} {i % 24:02d}:{i % 60:02d}:00")
            for i in range(n)]


@pytest.fixture
def landed(aws, database_url):
    """Three arrival days of raw files, loaded by the loader: a file delivered twice (under two keys), a late
    row, a late label, and a row the rules reject."""
    clear_tables(database_url)
    first = _rows(30, "2026-12-01")
    second = _rows(20, "2026-12-02", start=30)
    late = record(card=3, trans_date_trans_time="2026-11-20 08:00:00", amt="77.70", is_fraud="0")
    labelled = {**first[2], "is_fraud": "1"}  # first[2] arrived unlabelled
    files = [(raw_key("a", day="2026-12-01"), first), (raw_key("b", "05", day="2026-12-02"), second),
             (raw_key("b-again", "06", day="2026-12-02"), second[:10]),
             (raw_key("c", day="2026-12-03"), [late, labelled, record(card=1, amt="not money")])]
    for key, rows in files:
        put_file(key, rows)
        assert make_loader().load_object(BUCKET, key).status == "loaded"
    return {"dsn": database_url, "late": late, "labelled": labelled, "rows": first + second}


@pytest.fixture
def lake(landed, tmp_path):
    fetch_raw_files(get_client("s3"), BUCKET, "raw-data/", tmp_path)
    local = LocalLake(tmp_path)
    local.compact()
    return local


def _count(lake, where: str = "true") -> int:
    return lake.run(f"SELECT count(*) AS n FROM transactions WHERE {where}")[0]["n"]


def test_the_lake_tiles_equal_the_postgres_reporting_views(lake, landed):
    lake_tiles, pg_tiles = lake.tiles(), postgres_tiles(landed["dsn"])

    assert compare(lake_tiles, pg_tiles) == {tile: True for tile in TILES}
    assert all(lake_tiles[tile] for tile in TILES)  # nothing compared empty with empty
    lines, ok = report(lake_tiles, pg_tiles)
    volume = sum(Decimal(r["amt"]) for r in [*landed["rows"], landed["late"]])
    assert ok and lines[-1] == f"lake: rows=51 postgres_rows=51 volume={volume} postgres_volume={volume} match=yes"


def test_a_row_missing_from_postgres_is_a_mismatch(lake, landed):
    execute(landed["dsn"], "DELETE FROM card_transaction WHERE trans_num = %s", (landed["late"]["trans_num"],))

    lines, ok = report(lake.tiles(), postgres_tiles(landed["dsn"]))

    assert not ok and lines[-1].startswith("lake: rows=51 postgres_rows=50 ") and lines[-1].endswith("match=no")


def test_a_row_delivered_twice_is_in_the_curated_table_once_and_a_rejected_row_not_at_all(lake):
    assert _count(lake) == 51
    assert lake.run("SELECT count(DISTINCT trans_num) AS n FROM transactions")[0]["n"] == 51
    assert _count(lake, "amt IS NULL") == 0


def test_a_late_row_lands_in_its_transaction_day_not_its_arrival_day(lake, landed):
    late = landed["late"]["trans_num"]
    row = lake.run(f"SELECT trans_date, arrival_date FROM transactions WHERE trans_num = '{late}'")
    assert row == [{"trans_date": dt.date(2026, 11, 20), "arrival_date": dt.date(2026, 12, 3)}]


def test_a_late_label_updates_the_curated_row(lake, landed):
    found = lake.run(f"SELECT is_fraud FROM transactions WHERE trans_num = '{landed['labelled']['trans_num']}'")
    assert found == [{"is_fraud": True}]


def test_compaction_is_idempotent_and_day_by_day_equals_all_at_once(landed, tmp_path):
    fetch_raw_files(get_client("s3"), BUCKET, "raw-data/", tmp_path)
    by_day, at_once = LocalLake(tmp_path), LocalLake(tmp_path)
    at_once.compact()
    for day in by_day.days():
        by_day.compact(day, day)
    by_day.compact()  # a rerun over everything changes nothing

    query = "SELECT trans_num, is_fraud, amt, trans_date FROM transactions ORDER BY trans_num"
    assert by_day.run(query) == at_once.run(query)
    assert compare(by_day.tiles(), postgres_tiles(landed["dsn"])) == {tile: True for tile in TILES}


def test_an_empty_bucket_gives_an_empty_lake(aws, tmp_path):
    lake = LocalLake(tmp_path)
    lake.compact()
    assert _count(lake) == 0
