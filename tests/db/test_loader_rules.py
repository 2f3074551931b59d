"""The API's schema and the loader's SQL decide the same cases (tests/support/cases.py), on both sides."""
import pytest
from marshmallow import ValidationError

from chalicelib.dictionary.validate import validate_transaction
from tests.support.cases import CASES, STREAM_ONLY_CASES
from tests.support.env import stage_env
from tests.support.factories import make_transaction
from tests.support.rawfiles import BUCKET, clear_tables, make_loader, put_file, query, raw_key, record

CASE_IDS = [f"{field}={value[:24]!r}" for field, value, _ in CASES]


@pytest.mark.parametrize("field,value,canonical", CASES, ids=CASE_IDS)
def test_the_api_schema_decides_the_case(field, value, canonical):
    if canonical is None:
        with pytest.raises(ValidationError) as info:
            validate_transaction(make_transaction(**{field: value}))
        assert field in info.value.messages
    else:
        assert validate_transaction(make_transaction(**{field: value}))[field] == canonical


@pytest.fixture(scope="module")
def loaded_cases(pg_dsn):
    """All cases as one file, one row each (line = index + 2), loaded once: {line: reason or None}."""
    from moto import mock_aws

    from chalicelib.platform.clients import get_client

    with stage_env(DATABASE_URL=pg_dsn), mock_aws():
        get_client("s3").create_bucket(Bucket=BUCKET)
        clear_tables(pg_dsn)
        cases = [(f, v) for f, v, _ in CASES] + [(f, v) for f, v, _ in STREAM_ONLY_CASES]
        rows = [record(card=1000 + i, **{f: v}) for i, (f, v) in enumerate(cases)]
        make_loader().load_object(BUCKET, put_file(raw_key("cases"), rows))
    reasons = dict(query(pg_dsn, "SELECT line_no, reason FROM rejected_row"))
    stored = {t for (t,) in query(pg_dsn, "SELECT trans_num FROM card_transaction")}
    return {i + 2: (row["trans_num"] in stored, reasons.get(i + 2)) for i, row in enumerate(rows)}


def _assert_loader_decides(loaded_cases, line: int, field: str, loads: bool):
    stored, reason = loaded_cases[line]
    if loads:
        assert stored and reason is None, reason
    else:
        assert not stored and reason is not None and reason.startswith(f"{field}: "), reason


@pytest.mark.parametrize("field,value,canonical", CASES, ids=CASE_IDS)
def test_the_loader_loads_exactly_what_the_api_keeps_unchanged(loaded_cases, field, value, canonical):
    _assert_loader_decides(loaded_cases, CASES.index((field, value, canonical)) + 2, field, value == canonical)


@pytest.mark.parametrize("field,value,valid", STREAM_ONLY_CASES,
                         ids=[f"{f}={v[:8]!r}" for f, v, _ in STREAM_ONLY_CASES])
def test_the_loader_checks_the_stream_only_fields(loaded_cases, field, value, valid):
    line = len(CASES) + STREAM_ONLY_CASES.index((field, value, valid)) + 2
    _assert_loader_decides(loaded_cases, line, field, valid)
