"""Property tests across stages: what the API accepts, the next stage takes; readers raise only their own error.

The values are the ones that broke things before (see README "Reliability"): digits from other scripts
(`\\d` matches Arabic-Indic digits), repeated signs, negative zero, digit runs longer than int() converts.
Example counts come from the profile in tests/test_properties.py (`make fuzz` raises them).
"""
import contextlib
import gzip
from unittest.mock import create_autospec

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.cards import CardTokenizer
from chalicelib.csvfile import CsvFileError, read_csv
from chalicelib.dictionary.fields import FIELDS
from chalicelib.dictionary.validate import check_stream_record
from chalicelib.ingest import Ingestor
from chalicelib.publisher import Publisher
from chalicelib.streamrecord import decode_stream_record
from tests import test_properties  # noqa: F401 - registers and loads the hypothesis profile
from tests.factories import make_transaction

_TOKENIZER = CardTokenizer(b"k" * 32)
NUMBERISH = "0123456789+-. eE\u0660\u0661\u0664\u0669\uff11\u00b2\t"  # ASCII, Arabic-Indic, fullwidth, superscript
numberish = st.text(st.sampled_from(NUMBERISH), max_size=24)
long_digits = st.integers(4000, 6000).map(lambda n: "1" * n)  # beyond int()'s 4300-digit limit
surrogates = st.text(st.sampled_from("ab\ud800\udfff"), min_size=1, max_size=5)  # lone ones are valid JSON
tricky = numberish | long_digits | surrogates | st.sampled_from(["-0", "-0.00", "+0", "-.0", "++5", "0" * 30 + "7"])


def _accept(item):
    """The API's own path for one item (validate, tokenize, encode), with a stand-in for Kinesis."""
    publisher = create_autospec(Publisher, instance=True)
    publisher.put.return_value = []
    result = Ingestor(lambda: _TOKENIZER, publisher).accept([item])
    sent = [entry for call in publisher.put.call_args_list for entry in call.args[0]]
    return result, sent


@given(st.sampled_from([f for f in FIELDS if f != "trans_num"]), tricky)
def test_the_api_answers_any_field_value_with_a_verdict_never_an_exception(name, value):
    result, sent = _accept(make_transaction(**{name: value}))
    assert result.accepted + len(result.rejected) == 1
    assert len(sent) == result.accepted


@given(st.sampled_from([f for f in FIELDS if f != "trans_num"]), tricky)
def test_every_record_the_api_accepts_passes_the_batchers_check(name, value):
    _, sent = _accept(make_transaction(**{name: value}))
    for entry in sent:
        record = decode_stream_record(entry.data)
        assert check_stream_record(record) is None, (name, value, record)


@given(st.binary(max_size=600))
def test_the_csv_reader_raises_only_its_own_error_on_any_bytes(raw):
    try:
        header, rows = read_csv(raw)
    except CsvFileError:
        return
    assert isinstance(header, list) and all(isinstance(r, list) for r in rows)


@given(st.binary(max_size=600))
def test_the_csv_reader_raises_only_its_own_error_on_any_gzipped_bytes(raw):
    with contextlib.suppress(CsvFileError):
        read_csv(gzip.compress(raw)[: len(raw) // 2 + 10])  # whole or truncated gzip streams

