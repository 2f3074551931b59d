"""The synthetic Sparkov generator (client.generate): valid, deterministic, shaped like the data set."""
import csv
import datetime as dt
from collections import Counter, defaultdict

import pytest

from chalicelib.dictionary.fields import FIELDS
from chalicelib.dictionary.kinds import luhn_valid
from chalicelib.dictionary.validate import validate_transaction
from client.__main__ import main
from client.catalog import FRAUD_CATEGORIES
from client.generate import FAR_DEGREES, NEAR_DEGREES, UNIX_TIME_OFFSET, fraud_count, write_csv

PROFILE = ("first", "last", "gender", "street", "city", "state", "zip", "lat", "long", "city_pop", "job", "dob")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "sample.csv"
    write_csv(path, 5000, seed=11, fraud_rate=0.02)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_header_is_exactly_the_data_dictionary_with_no_index_column(sample):
    header, _ = sample
    assert tuple(header) == FIELDS


def test_every_row_passes_the_api_schema(sample):
    _, rows = sample
    for row in rows:
        validate_transaction(row)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_csv(tmp_path / name, 800, seed=seed)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    assert (tmp_path / "a").read_bytes() != (tmp_path / "c").read_bytes()


def test_timestamps_are_in_order_from_the_start_day(tmp_path):
    path = tmp_path / "s.csv"
    write_csv(path, 1000, seed=1, start=dt.date(2020, 6, 1))
    with open(path, newline="") as fh:
        stamps = [row["trans_date_trans_time"] for row in csv.DictReader(fh)]
    assert stamps == sorted(stamps)
    assert stamps[0].startswith("2020-06-01")


def test_unix_time_keeps_the_data_sets_constant_offset(sample):
    _, rows = sample
    for row in rows:
        stamp = dt.datetime.fromisoformat(row["trans_date_trans_time"]).replace(tzinfo=dt.UTC)
        assert int(row["unix_time"]) == stamp.timestamp() - UNIX_TIME_OFFSET


def test_trans_nums_are_unique_32_hex(sample):
    _, rows = sample
    nums = [row["trans_num"] for row in rows]
    assert len(set(nums)) == len(nums)
    assert all(len(n) == 32 and int(n, 16) >= 0 for n in nums)


def test_card_numbers_pass_luhn_with_lengths_11_to_19_mostly_16(sample):
    _, rows = sample
    cards = {row["cc_num"] for row in rows}
    lengths = Counter(len(c) for c in cards)
    assert all(luhn_valid(c) for c in cards)
    assert set(lengths) <= set(range(11, 20)) and len(lengths) >= 5
    assert lengths.most_common(1)[0][0] == 16


def test_each_card_belongs_to_one_stable_profile(sample):
    _, rows = sample
    profiles = defaultdict(set)
    for row in rows:
        profiles[row["cc_num"]].add(tuple(row[f] for f in PROFILE))
    assert len(profiles) > 100
    assert all(len(p) == 1 for p in profiles.values())


def test_data_set_quirks_appear_leading_zero_zips_and_commas(sample):
    _, rows = sample
    assert any(row["zip"].startswith("0") for row in rows)
    assert any("," in row["merchant"] for row in rows)
    assert any("," in row["job"] for row in rows)
    assert all(row["merchant"].startswith("fraud_") for row in rows)
    assert len({row["category"] for row in rows}) == 14


def test_fraud_count_is_exact(sample):
    _, rows = sample
    assert sum(row["is_fraud"] == "1" for row in rows) == fraud_count(5000, 0.02) == 100


def test_fraud_is_at_night_in_the_burst_categories_with_high_amounts_far_from_home(sample):
    _, rows = sample
    legit = defaultdict(list)
    for row in rows:
        if row["is_fraud"] == "0":
            legit[row["category"]].append(float(row["amt"]))
    for row in (r for r in rows if r["is_fraud"] == "1"):
        hour = int(row["trans_date_trans_time"][11:13])
        assert hour >= 22 or hour < 4
        assert row["category"] in FRAUD_CATEGORIES
        assert float(row["amt"]) > sorted(legit[row["category"]])[len(legit[row["category"]]) * 9 // 10]
        assert abs(float(row["merch_lat"]) - float(row["lat"])) >= FAR_DEGREES[0] - 1e-6


def test_fraud_comes_in_bursts_of_several_rows_per_card_within_hours(sample):
    _, rows = sample
    bursts = defaultdict(list)
    for row in rows:
        if row["is_fraud"] == "1":
            bursts[row["cc_num"]].append(dt.datetime.fromisoformat(row["trans_date_trans_time"]))
    assert all(len(times) >= 3 for times in bursts.values())
    assert all(max(times) - min(times) <= dt.timedelta(hours=6) for times in bursts.values())


def test_legitimate_merchants_are_near_home(sample):
    _, rows = sample
    for row in (r for r in rows if r["is_fraud"] == "0"):
        assert abs(float(row["merch_lat"]) - float(row["lat"])) <= NEAR_DEGREES + 1e-6
        assert abs(float(row["merch_long"]) - float(row["long"])) <= NEAR_DEGREES + 1e-6


def test_zero_fraud_rate_gives_no_fraud(tmp_path):
    write_csv(tmp_path / "s.csv", 500, fraud_rate=0)
    with open(tmp_path / "s.csv", newline="") as fh:
        assert {row["is_fraud"] for row in csv.DictReader(fh)} == {"0"}


def test_zero_rows_gives_the_header_only(tmp_path):
    write_csv(tmp_path / "s.csv", 0)
    assert (tmp_path / "s.csv").read_text() == ",".join(FIELDS) + "\n"


def test_cli_generate_writes_the_file_and_says_so(tmp_path, capsys):
    out = str(tmp_path / "g.csv")
    assert main(["generate", "--rows", "300", "--seed", "2", "--fraud-rate", "0.01", "--out", out]) == 0
    assert capsys.readouterr().out == f"generate: wrote 300 rows (3 fraud) to {tmp_path / 'g.csv'}\n"
    assert len((tmp_path / "g.csv").read_text().splitlines()) == 301


def test_cli_generate_refuses_a_fraud_rate_above_one(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--rows", "3", "--fraud-rate", "2", "--out", str(tmp_path / "g.csv")])
    assert exc.value.code == 2
    assert "must be between 0 and 1" in capsys.readouterr().err
