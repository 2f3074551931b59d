"""Every rule of the data dictionary, accepted and rejected, including the real data set's quirks."""
import datetime as dt

import pytest
from marshmallow import ValidationError

from chalicelib.dictionary.fields import FIELDS, STREAM_COLUMNS
from chalicelib.dictionary.kinds import luhn_valid
from chalicelib.dictionary.validate import TransactionSchema, check_stream_record, validate_transaction
from tests.support.factories import luhn_complete, make_transaction


def errors_for(**overrides) -> dict:
    with pytest.raises(ValidationError) as info:
        validate_transaction(make_transaction(**overrides))
    return info.value.messages


def canonical(**overrides) -> dict:
    return validate_transaction(make_transaction(**overrides))


def test_a_valid_transaction_normalizes_to_canonical_text():
    record = canonical(zip="5155", lat="36.0788", amt="4.9", city_pop=3495)
    assert record["zip"] == "05155"
    assert record["lat"] == "36.078800"
    assert record["amt"] == "4.90"
    assert record["city_pop"] == "3495"
    assert set(record) == set(FIELDS)


def test_stream_columns_put_token_and_last4_where_the_card_number_was():
    assert STREAM_COLUMNS[1:3] == ("card_token", "cc_last4")
    assert "cc_num" not in STREAM_COLUMNS and len(STREAM_COLUMNS) == 23


@pytest.mark.parametrize("pan", ["630423337322", "2703186189652095", "38859492057661", "4" + "0" * 17 + "0"])
def test_card_numbers_of_11_to_19_luhn_valid_digits_are_accepted(pan):
    pan = luhn_complete(pan[:-1])
    assert canonical(cc_num=pan)["cc_num"] == pan


def test_a_19_digit_card_number_is_accepted():
    pan = luhn_complete("4" * 18)
    assert len(pan) == 19 and canonical(cc_num=pan)["cc_num"] == pan


@pytest.mark.parametrize("pan,rule", [
    ("4111111111111112", "fails the Luhn check"),
    (luhn_complete("4" * 9), "must be 11 to 19 digits"),
    (luhn_complete("4" * 19), "must be 11 to 19 digits"),
    ("4111-1111-1111-1111", "must be 11 to 19 digits"),
    ("2.70E+15", "is in scientific notation (spreadsheet-mangled): the card number is lost"),
])
def test_bad_card_numbers_are_rejected_naming_the_rule(pan, rule):
    assert errors_for(cc_num=pan) == {"cc_num": [rule]}


def test_card_number_sent_as_a_json_integer_is_accepted():
    assert canonical(cc_num=2703186189652095)["cc_num"] == "2703186189652095"


@pytest.mark.parametrize("amt,expected", [("0", "0.00"), ("4.97", "4.97"), (107.23, "107.23"), ("4.970", "4.97")])
def test_amounts_at_or_above_zero_with_two_decimals_are_accepted(amt, expected):
    assert canonical(amt=amt)["amt"] == expected


@pytest.mark.parametrize("amt,rule", [
    ("-1.00", "must be >= 0"),
    ("1.234", "must have at most 2 decimals"),
    ("1000000.01", "must be <= 1000000.00"),
    ("12,50", "must be a decimal number"),
    ("1e3", "must be a decimal number"),
    ("", "must be a decimal number"),
])
def test_bad_amounts_are_rejected(amt, rule):
    assert errors_for(amt=amt) == {"amt": [rule]}


@pytest.mark.parametrize("name,limit", [("lat", 90), ("merch_lat", 90), ("long", 180), ("merch_long", 180)])
def test_coordinates_are_bounded(name, limit):
    assert canonical(**{name: str(limit)})[name] == f"{limit}.000000"
    assert canonical(**{name: str(-limit)})[name] == f"-{limit}.000000"
    assert errors_for(**{name: str(limit + 0.5)}) == {name: [f"must be between -{limit} and {limit}"]}


def test_coordinate_float_noise_from_the_data_set_rounds_to_six_decimals():
    assert canonical(merch_lat="49.159046999999994")["merch_lat"] == "49.159047"


@pytest.mark.parametrize("gender", ["M", "F"])
def test_gender_m_or_f(gender):
    assert canonical(gender=gender)["gender"] == gender


@pytest.mark.parametrize("gender", ["m", "X", "", "MF"])
def test_other_genders_are_rejected(gender):
    assert "gender" in errors_for(gender=gender)


@pytest.mark.parametrize("state", ["NC", "DC"])
def test_state_is_two_capital_letters(state):
    assert canonical(state=state)["state"] == state


@pytest.mark.parametrize("state", ["nc", "N", "NCA", "N1"])
def test_other_states_are_rejected(state):
    assert errors_for(state=state) == {"state": ["must be two capital letters"] if len(state) == 2
                                       else ["must be at most 2 characters"] if len(state) > 2
                                       else ["must be two capital letters"]}


@pytest.mark.parametrize("raw,expected", [("5155", "05155"), ("28654", "28654"), (501, "00501"), ("1", "00001")])
def test_zip_of_1_to_5_digits_is_padded_to_five(raw, expected):
    assert canonical(zip=raw)["zip"] == expected


@pytest.mark.parametrize("raw", ["123456", "12a45", "", "-1234"])
def test_other_zips_are_rejected(raw):
    assert errors_for(zip=raw) == {"zip": ["must be 1 to 5 digits"]}


def test_dob_in_the_future_is_rejected():
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert errors_for(dob=tomorrow) == {"dob": ["must not be in the future"]}


@pytest.mark.parametrize("dob,rule", [("09/03/1988", "must be YYYY-MM-DD"), ("1988-02-30", "is not a real date")])
def test_dob_must_be_a_real_iso_date(dob, rule):
    assert errors_for(dob=dob) == {"dob": [rule]}


@pytest.mark.parametrize("value,rule", [
    ("01/01/2019 00:00", "must be YYYY-MM-DD HH:MM:SS"),
    ("2019-01-01T00:00:18", "must be YYYY-MM-DD HH:MM:SS"),
    ("2019-13-01 00:00:18", "is not a real date and time"),
])
def test_transaction_time_must_be_iso_with_a_space(value, rule):
    assert errors_for(trans_date_trans_time=value) == {"trans_date_trans_time": [rule]}


@pytest.mark.parametrize("trans_num", ["0b242abb623afc578575680df30655b9", "a", "A-b_9", "x" * 64])
def test_trans_num_of_1_to_64_safe_characters_is_accepted(trans_num):
    assert canonical(trans_num=trans_num)["trans_num"] == trans_num


@pytest.mark.parametrize("trans_num", ["x" * 65, "a b", "a;drop", "é"])
def test_other_trans_nums_are_rejected(trans_num):
    assert "trans_num" in errors_for(trans_num=trans_num)


@pytest.mark.parametrize("value", ["1325376018", 1325376018])
def test_unix_time_is_an_integer_given_as_string_or_number(value):
    assert canonical(unix_time=value)["unix_time"] == "1325376018"


@pytest.mark.parametrize("value", ["1325376018.5", "-5", "abc"])
def test_non_integer_unix_time_is_rejected(value):
    assert errors_for(unix_time=value) == {"unix_time": ["must be a whole number >= 0"]}


def test_negative_city_pop_is_rejected():
    assert errors_for(city_pop="-3") == {"city_pop": ["must be a whole number >= 0"]}


@pytest.mark.parametrize("raw,expected", [("0", "0"), ("1", "1"), (True, "1"), ("false", "0"), (0, "0"), (None, "")])
def test_is_fraud_accepts_0_1_true_false_or_nothing(raw, expected):
    assert canonical(is_fraud=raw)["is_fraud"] == expected


def test_is_fraud_may_be_absent_because_live_transactions_have_no_label():
    item = make_transaction()
    del item["is_fraud"]
    assert validate_transaction(item)["is_fraud"] == ""


def test_is_fraud_other_values_are_rejected():
    assert errors_for(is_fraud="maybe") == {"is_fraud": ["must be 0, 1, true or false"]}


def test_every_other_field_is_required():
    item = make_transaction()
    del item["merchant"], item["dob"]
    with pytest.raises(ValidationError) as info:
        validate_transaction(item)
    assert info.value.messages == {"merchant": ["is required"], "dob": ["is required"]}


def test_null_required_field_is_rejected():
    assert errors_for(city=None) == {"city": ["may not be null"]}


def test_unknown_fields_are_rejected_so_columns_cannot_be_smuggled():
    assert errors_for(customer_segment="vip") == {"customer_segment": ["is not a field of the data dictionary"]}


def test_control_characters_in_text_are_rejected():
    assert errors_for(merchant="fraud_\x00Kub") == {"merchant": ["must not contain control characters"]}


def test_text_over_its_length_limit_is_rejected():
    assert errors_for(job="x" * 201) == {"job": ["must be at most 200 characters"]}


def test_commas_quotes_and_non_ascii_text_are_kept():
    assert canonical(merchant='fraud_"Kub", Zoë & Søn')["merchant"] == 'fraud_"Kub", Zoë & Søn'


def test_non_object_item_is_rejected():
    with pytest.raises(ValidationError) as info:
        validate_transaction(["not", "an", "object"])
    assert info.value.messages == {"_schema": ["a transaction must be a JSON object"]}


@pytest.mark.parametrize("overrides", [
    {}, {"zip": "5155", "amt": 12, "is_fraud": None}, {"cc_num": "2.70E+15", "dob": "bad"}, {"extra": 1},
])
def test_fast_path_agrees_with_marshmallow_load(overrides):
    item, schema = make_transaction(**overrides), TransactionSchema()
    try:
        expected = schema.load(item)
    except ValidationError as exc:
        with pytest.raises(ValidationError) as info:
            validate_transaction(item)
        assert info.value.messages == exc.messages
    else:
        assert validate_transaction(item) == expected


def test_luhn_check():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


def test_stream_record_check_accepts_a_tokenized_canonical_record():
    record = canonical()
    del record["cc_num"]
    record.update(card_token="a" * 64, cc_last4="1234")
    assert check_stream_record(record) is None


def test_stream_record_check_names_a_field_that_is_not_canonical():
    record = canonical()
    del record["cc_num"]
    record.update(card_token="a" * 64, cc_last4="1234", amt="4.9")
    assert check_stream_record(record) == "amt: not canonical"


def test_stream_record_check_refuses_a_record_carrying_a_pan():
    assert check_stream_record(canonical()).startswith("field set differs")
