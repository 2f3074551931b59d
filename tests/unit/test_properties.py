"""Property tests: any input gives a valid record or field errors, never an exception; CSV round-trips.

Example counts come from the hypothesis profile in tests/conftest.py (`make fuzz` raises them).
"""
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from chalicelib.dictionary.fields import FIELDS, STREAM_COLUMNS
from chalicelib.dictionary.validate import check_stream_record, validate_transaction
from chalicelib.ingest.batch import BadRequest, PayloadTooLarge, parse_batch
from chalicelib.stream.csvfile import encode_csv
from tests.support.factories import make_transaction
from tests.support.readback import read_back
from tests.support.strategies import json_values

printable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)


def _outcome(item):
    try:
        return "valid", validate_transaction(item)
    except ValidationError as exc:
        return "invalid", exc.messages


@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=len(FIELDS)))
def test_any_field_values_give_a_record_or_field_errors(partial):
    kind, result = _outcome(partial)
    if kind == "invalid":
        assert set(result) <= set(FIELDS) | {"_schema"}
        assert all(isinstance(m, list) and all(isinstance(s, str) for s in m) for m in result.values())


@given(st.sampled_from([f for f in FIELDS if f != "cc_num"]), json_values)
def test_one_bad_field_is_blamed_on_that_field_alone(name, value):
    kind, result = _outcome(make_transaction(**{name: value}))
    if kind == "invalid":
        assert set(result) == {name}
    else:
        assert set(result) == set(FIELDS)


@given(json_values)
def test_any_json_item_gives_a_record_or_errors(item):
    _outcome(item)


@given(st.binary(max_size=300))
def test_any_request_body_parses_or_raises_a_domain_error(raw):
    try:
        items = parse_batch(raw, 200, 5)
    except (BadRequest, PayloadTooLarge):
        return
    assert isinstance(items, list) and 1 <= len(items) <= 5


@given(st.lists(st.fixed_dictionaries({c: printable for c in STREAM_COLUMNS}), min_size=1, max_size=5),
       st.booleans())
def test_a_file_written_then_read_by_the_loaders_reader_round_trips_any_printable_text(records, gzip):
    header, rows = read_back(encode_csv(records, gzip=gzip))
    assert header == list(STREAM_COLUMNS)
    assert rows == [[r[c] for c in STREAM_COLUMNS] for r in records]


@given(st.binary(max_size=400))
def test_any_stream_payload_is_checked_without_an_exception(raw):
    try:
        record = json.loads(raw)
    except ValueError:
        return
    reason = check_stream_record(record)
    assert reason is None or isinstance(reason, str)


@settings(max_examples=60)
@given(st.builds(make_transaction))
def test_every_valid_record_tokenized_passes_the_stream_check(item):
    record = validate_transaction(item)
    record.pop("cc_num")
    record.update(card_token="0" * 64, cc_last4="1234")
    assert check_stream_record(record) is None
