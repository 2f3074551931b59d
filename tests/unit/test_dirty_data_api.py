"""Dirty real data at the API: spreadsheet-mangled rows are refused with a clear reason, the rest go through,
and nothing reaches the stream with a wrong card or a wrong date.

Real exports pass through spreadsheets: long card numbers come back in scientific notation, dates in the
locale's order without seconds, numbers with thousands separators. None of these can be repaired safely
(is 01-02-2019 the 1st of February or the 2nd of January?), so the API refuses them and names the rule.
"""
import hashlib
import hmac
import json

from chalicelib.stream.record import decode_stream_record
from tests.support.api import post, stream_records
from tests.support.env import CARD_KEY_HEX
from tests.support.factories import make_pan, make_transaction

MANGLED = {  # field -> (what a spreadsheet made of it, the words the reason must contain)
    "sci-notation card": ("cc_num", "2.70319E+15", "scientific notation"),
    "sci-notation card, lower e": ("cc_num", "4.53201e+15", "scientific notation"),
    "card as a float": ("cc_num", "4532015112830366.0", "11 to 19 digits"),
    "card with separators": ("cc_num", "4532 0151 1283 0366", "11 to 19 digits"),
    "day-first date with dashes": ("trans_date_trans_time", "01-01-2019 00:00", "YYYY-MM-DD HH:MM:SS"),
    "day-first date with slashes": ("trans_date_trans_time", "21/06/2019 12:14", "YYYY-MM-DD HH:MM:SS"),
    "month-first short date": ("trans_date_trans_time", "1/1/2019 0:00", "YYYY-MM-DD HH:MM:SS"),
    "seconds dropped": ("trans_date_trans_time", "2019-01-01 00:00", "YYYY-MM-DD HH:MM:SS"),
    "impossible date": ("trans_date_trans_time", "2019-02-30 00:00:18", "real date"),
    "birth date day-first": ("dob", "09/03/1988", "YYYY-MM-DD"),
    "zip as a float": ("zip", "28654.0", "1 to 5 digits"),
    "population with a thousands separator": ("city_pop", "3,495", "whole number"),
    "unix time in scientific notation": ("unix_time", "1.325376018E+09", "whole number"),
    "amount with a currency sign": ("amt", "$4.97", "decimal number"),
    "amount with a decimal comma": ("amt", "4,97", "decimal number"),
    "card in Arabic-Indic digits": ("cc_num", "\u0661" + "\u0660" * 14 + "\u0669", "11 to 19 digits"),
    "zip in fullwidth digits": ("zip", "\uff12\uff18\uff16\uff15\uff14", "1 to 5 digits"),
}


def _token(pan: str) -> str:
    return hmac.new(bytes.fromhex(CARD_KEY_HEX), pan.encode(), hashlib.sha256).hexdigest()


def _body(response) -> dict:
    return json.loads(response.body)


def _refused_alone(api, auth_headers, cases: dict[str, tuple[str, object, str]]) -> dict[str, dict]:
    """Post one row per case (each wrong in one field only, in one batch); each case's rejection."""
    rows = [make_transaction(**{field: value}) for field, value, _ in cases.values()]
    response = post(api, auth_headers, {"transactions": rows})
    assert response.status_code == 400 and stream_records() == []  # every row refused: nothing on the stream
    by_index = {r["index"]: r for r in _body(response)["rejected"]}
    return {case: by_index[i] for i, case in enumerate(cases)}


def test_each_mangled_value_is_refused_naming_its_field_and_rule(api, auth_headers):
    for case, rejection in _refused_alone(api, auth_headers, MANGLED).items():
        field, _, words = MANGLED[case]
        assert list(rejection["errors"]) == [field], case
        assert words in rejection["errors"][field][0], case


def test_a_mangled_file_loads_its_clean_rows_and_refuses_the_rest_by_index(api, auth_headers):
    clean = [make_transaction(cc_num=make_pan(900 + i)) for i in range(4)]
    dirty = [make_transaction(**{field: value}) for field, value, _ in MANGLED.values()]
    batch = [row for pair in zip(clean, dirty[:4], strict=True) for row in pair] + dirty[4:]
    response = post(api, auth_headers, {"transactions": batch})
    body = _body(response)
    assert response.status_code == 202 and body["accepted"] == len(clean)
    assert sorted(r["index"] for r in body["rejected"]) == [i for i, row in enumerate(batch) if row not in clean]
    assert {r["trans_num"] for r in body["rejected"]} == {row["trans_num"] for row in dirty}


def test_the_stream_holds_each_clean_row_with_its_own_card_and_date_and_nothing_else(api, auth_headers):
    clean = [make_transaction(cc_num=make_pan(950 + i), trans_date_trans_time=f"2019-06-2{i} 13:0{i}:00")
             for i in range(3)]
    dirty = [make_transaction(cc_num="2.70319E+15"), make_transaction(trans_date_trans_time="01-01-2019 00:00")]
    post(api, auth_headers, {"transactions": clean + dirty})
    landed = {r["trans_num"]: r for r in (decode_stream_record(rec["data"]) for rec in stream_records())}
    assert set(landed) == {row["trans_num"] for row in clean}
    for row in clean:
        record = landed[row["trans_num"]]
        assert (record["card_token"], record["cc_last4"]) == (_token(row["cc_num"]), row["cc_num"][-4:])
        assert record["trans_date_trans_time"] == row["trans_date_trans_time"]


def test_spreadsheet_booleans_for_the_label_are_read_as_the_label(api, auth_headers):
    labels = {"TRUE": "1", "False": "0", " 1 ": "1", True: "1", "false ": "0"}
    rows = [make_transaction(is_fraud=value) for value in labels]
    post(api, auth_headers, {"transactions": rows})
    landed = {r["trans_num"]: r["is_fraud"] for r in (decode_stream_record(rec["data"]) for rec in stream_records())}
    assert [landed[row["trans_num"]] for row in rows] == list(labels.values())


def test_a_four_digit_zip_that_lost_its_leading_zero_gets_it_back(api, auth_headers):
    post(api, auth_headers, make_transaction(zip="5155"))
    [record] = [decode_stream_record(rec["data"]) for rec in stream_records()]
    assert record["zip"] == "05155"


# ---- values that once made the API fail (500) or accept what the next stage refuses ------------------

USED_TO_RAISE = {
    "5,000 digits": ("city_pop", "1" * 5000, "must be <="),  # int() refuses over 4,300 digits: ValueError
    "two plus signs": ("unix_time", "++5", "whole number"),  # lstrip("+") passed it, int() did not
    "Arabic-Indic card": ("cc_num", "\u0661" + "\u0660" * 14 + "\u0669", "11 to 19 digits"),  # ASCII encode raised
    "lone surrogate": ("first", "Jen\ud800", "lone surrogate"),  # valid JSON, not encodable as UTF-8
}


def test_values_that_used_to_raise_are_refused_naming_the_field(api, auth_headers):
    for case, rejection in _refused_alone(api, auth_headers, USED_TO_RAISE).items():
        field, _, words = USED_TO_RAISE[case]
        assert list(rejection["errors"]) == [field] and words in rejection["errors"][field][0], case


def test_a_negative_zero_amount_goes_on_the_stream_as_zero(api, auth_headers):
    post(api, auth_headers, make_transaction(amt="-0"))
    [record] = [decode_stream_record(rec["data"]) for rec in stream_records()]
    assert record["amt"] == "0.00"  # "-0.00" is not canonical: the batcher would have quarantined it


def test_a_json_number_where_text_belongs_is_refused(api, auth_headers):
    cases = {f: (f, 12, "must be a string") for f in ("first", "merchant", "trans_num", "trans_date_trans_time",
                                                       "dob", "state")}
    for field, rejection in _refused_alone(api, auth_headers, cases).items():
        assert rejection["errors"] == {field: ["must be a string"]}
