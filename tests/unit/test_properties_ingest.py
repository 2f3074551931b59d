"""Property tests across stages: what the API accepts, the next stage takes.

The values are the ones that broke things before (docs/reliability.md): digits from other scripts
(`\\d` matches Arabic-Indic digits), repeated signs, negative zero, digit runs longer than int() converts.
Example counts come from the hypothesis profile in tests/conftest.py (`make fuzz` raises them).
"""
from unittest.mock import create_autospec

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.dictionary.fields import FIELDS
from chalicelib.dictionary.validate import check_stream_record
from chalicelib.ingest.batch import Ingestor
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.ingest.publisher import Publisher
from chalicelib.stream.record import decode_stream_record
from tests.support.factories import make_transaction
from tests.support.strategies import tricky

_TOKENIZER = CardTokenizer(b"k" * 32)


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
