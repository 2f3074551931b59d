"""Dirty real data straight into S3 (a raw file not written by the batcher): the loader stores the clean rows,
puts each mangled row in rejected_row with a reason naming the field, and never stores a wrong card or date."""
import pytest

from tests.support.rawfiles import BUCKET, clear_tables, make_loader, put_file, query, raw_key, record

MANGLED = {  # column -> what a spreadsheet made of the canonical value, and the field the reason must name
    "card token in scientific notation": {"card_token": "2.70319E+15"},
    "last four digits as a float": {"cc_last4": "4242.0"},
    "day-first date with dashes": {"trans_date_trans_time": "01-01-2019 00:00"},
    "day-first date with slashes": {"trans_date_trans_time": "21/06/2019 12:14"},
    "seconds dropped": {"trans_date_trans_time": "2019-01-01 00:00"},
    "impossible date": {"trans_date_trans_time": "2019-02-30 00:00:18"},
    "birth date day-first": {"dob": "09/03/1988"},
    "zip lost its leading zero": {"zip": "5155"},
    "zip in scientific notation": {"zip": "2.8654E+4"},
    "amount with a decimal comma": {"amt": "4,97"},
    "amount with a currency sign": {"amt": "$4.97"},
    "population with a thousands separator": {"city_pop": "3,495"},
    "unix time in scientific notation": {"unix_time": "1.325376018E+09"},
    "coordinate with a decimal comma": {"merch_lat": "36,011293"},
    "label as a spreadsheet boolean": {"is_fraud": "TRUE"},
    "digits from another script": {"zip": "\u0662\u0668\u0666\u0665\u0664"},
}


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


@pytest.fixture
def loaded(dsn):
    clean = [record(card=500 + i) for i in range(4)]
    dirty = [record(card=600 + i, **change) for i, change in enumerate(MANGLED.values())]
    rows = [row for pair in zip(clean, dirty, strict=False) for row in pair] + dirty[len(clean):]
    key = put_file(raw_key("spreadsheet-export"), rows)
    result = make_loader().load_object(BUCKET, key)
    return clean, dirty, rows, key, result


def test_the_clean_rows_load_and_every_mangled_row_is_rejected(loaded):
    clean, dirty, _, _, result = loaded
    assert (result.status, result.rows_inserted, result.rows_rejected) == ("loaded", len(clean), len(dirty))


def test_each_rejected_row_has_a_reason_naming_the_mangled_field(loaded, dsn):
    _, dirty, rows, key, _ = loaded
    reasons = dict(query(dsn, "SELECT r.line_no, r.reason FROM rejected_row r JOIN ingest_file f USING (file_id) "
                              "WHERE f.key = %s", (key,)))
    for change, row in zip(MANGLED.values(), dirty, strict=True):
        line = rows.index(row) + 2  # the header is line 1
        [field] = change
        assert reasons[line].startswith(f"{field}: ") or f"; {field}: " in reasons[line], (field, reasons[line])


def test_no_card_or_date_is_stored_that_differs_from_a_clean_rows(loaded, dsn):
    clean, dirty, _, _, _ = loaded
    stored = query(dsn, "SELECT t.trans_num, t.card_token, c.cc_last4, t.trans_date_trans_time::text, c.dob::text "
                        "FROM card_transaction t JOIN customer c USING (card_token) ORDER BY t.trans_num")
    assert stored == sorted((r["trans_num"], r["card_token"], r["cc_last4"], r["trans_date_trans_time"], r["dob"])
                            for r in clean)
    assert not query(dsn, "SELECT 1 FROM card_transaction WHERE trans_num = ANY(%s)",
                     ([r["trans_num"] for r in dirty],))
