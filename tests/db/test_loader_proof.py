"""The loader's line proof, made while the file streams (lineproof.py, its regex generated from the data
dictionary), never passes a row the rule functions (check_rows.sql) would reject, and it does pass canonical
rows, so the loader takes the cheap path on the files the batcher writes.

Each example stages a file inside a transaction that is rolled back, so nothing is left behind.
"""
import csv
import io

import psycopg2
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bench.loader_data import generate_rows
from chalicelib.dictionary.fields import STREAM_COLUMNS
from chalicelib.load.body import CsvBody
from chalicelib.load.lineproof import LineProof
from chalicelib.load.rows import copy_rows
from chalicelib.platform.sqlfiles import sql_text
from chalicelib.stream.csvfile import HEADER_LINE, encode_csv, values_of
from tests.support.cases import CASES
from tests.support.rawfiles import record

ROW_FIELDS = ("trans_date_trans_time", "amt", "trans_num", "unix_time", "merch_lat", "merch_long", "is_fraud")
CANONICAL = [(f, v) for f, v, c in CASES if f in ROW_FIELDS and v == c]
NOT_CANONICAL = [(f, v) for f, v, c in CASES if f in ROW_FIELDS and v != c]
# Values that cast to the column's type and may print back unchanged, yet break a rule or are not canonical
# (what a proof by type round trips would have to tell apart).
CASTABLE_TRAPS = [
    ("amt", "NaN"), ("amt", "-0.00"), ("amt", " 4.97"), ("amt", "4.97 "), ("amt", "-4.97"), ("amt", "1000000.01"),
    ("amt", "99999999.99"), ("amt", "Infinity"), ("merch_lat", "NaN"), ("merch_lat", "-0.000000"),
    ("merch_lat", "90.000001"), ("merch_long", "-180.000001"), ("merch_long", "999.999999"), ("unix_time", "-1"),
    ("unix_time", "100000000001"), ("unix_time", "0005"), ("unix_time", "9223372036854775807"),
    ("trans_date_trans_time", "infinity"), ("trans_date_trans_time", "epoch"),
    ("trans_date_trans_time", "2019-01-01 00:00:18 BC"), ("trans_date_trans_time", "0001-01-01 00:00:00 BC"),
    ("trans_date_trans_time", "2019-01-01 00:00:60"), ("trans_date_trans_time", "2019-01-01 00:00:18+05"),
    ("trans_date_trans_time", "01/01/2019 00:00:18"), ("trans_date_trans_time", "2019-1-1 0:0:18"),
    ("trans_date_trans_time", "20190101 000018"), ("trans_date_trans_time", "10000-01-01 00:00:00"),
    ("trans_date_trans_time", "0999-12-31 23:59:59"),
]
TEMPLATE = record(card=7)
CHARS = "0123456789+-.:/ eENaIiftyTBCJ\t\u0661\uff11"


@pytest.fixture(scope="module")
def conn(pg_dsn):
    connection = psycopg2.connect(pg_dsn)
    yield connection
    connection.close()


def _staged(conn, rows: list[dict] | bytes) -> tuple[bool, list[str | None]]:
    """(whether the line proof holds, the reason check_rows.sql gives each row)."""
    data = rows if isinstance(rows, bytes) else encode_csv(rows)
    try:
        with conn.cursor() as cur:
            body = CsvBody(io.BytesIO(data))
            total = copy_rows(cur, body)
            proven = body.proven(total)
            cur.execute(sql_text("load", "check_rows"))
            cur.execute("SELECT reason FROM stage ORDER BY line_no")
            return proven, [r for (r,) in cur.fetchall()]
    finally:
        conn.rollback()


def _one(conn, field: str, value: str) -> tuple[bool, str | None]:
    proven, reasons = _staged(conn, [{**TEMPLATE, field: value}])
    return proven, reasons[0]


@pytest.mark.parametrize("field,value", CANONICAL, ids=[f"{f}={v[:20]!r}" for f, v in CANONICAL])
def test_a_canonical_value_is_proven(conn, field, value):
    assert _one(conn, field, value) == (True, None)


@pytest.mark.parametrize("field,value", NOT_CANONICAL + CASTABLE_TRAPS,
                         ids=[f"{f}={v[:20]!r}" for f, v in NOT_CANONICAL + CASTABLE_TRAPS])
def test_a_value_the_rules_reject_is_never_proven(conn, field, value):
    proven, reason = _one(conn, field, value)
    assert not (proven and reason), (proven, reason)


@pytest.mark.parametrize("field", STREAM_COLUMNS[:-1])
def test_a_missing_value_is_never_proven(conn, field):
    proven, reason = _one(conn, field, "")  # an empty field: COPY reads NULL
    assert not proven and reason == f"{field}: is required"


def test_minus_zero_is_kept_by_the_rules_and_the_line_proof(conn):
    assert _one(conn, "merch_lat", "-0.000000") == (True, None)


def test_a_generated_file_is_proven(conn):
    rows = generate_rows(2_000)
    proven, reasons = _staged(conn, rows)
    assert proven and reasons == [None] * len(rows)


def test_a_file_with_minimal_quoting_is_left_to_the_rule_functions(conn):
    # Older batchers quoted only what needed it: COPY reads the same rows, the line proof does not try.
    rows = generate_rows(20)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([list(STREAM_COLUMNS)] + [values_of(r) for r in rows])
    proven, reasons = _staged(conn, buffer.getvalue().encode())
    assert not proven and reasons == [None] * 20


def test_one_bad_value_sends_the_whole_file_to_the_rules(conn):
    rows = generate_rows(50)
    rows[30] = {**rows[30], "unix_time": "soon"}
    proven, reasons = _staged(conn, rows)
    assert not proven
    assert reasons[30] == "unix_time: must be a whole number >= 0"
    assert reasons[:30] + reasons[31:] == [None] * 49


def _fed(data: bytes, cuts: list[int]) -> LineProof:
    proof = LineProof()
    edges = [0, *sorted(cuts), len(data)]
    for start, end in zip(edges, edges[1:], strict=False):
        proof.feed(data[start:end])
    return proof


@given(st.lists(st.integers(0, 4000), max_size=12))
def test_the_line_proof_does_not_depend_on_where_chunks_end(cuts):
    data = encode_csv(generate_rows(10))
    assert _fed(data, [c % len(data) for c in cuts]).holds(10)


def test_the_line_proof_needs_every_line_ended_and_counted():
    data = encode_csv(generate_rows(3))
    assert not _fed(data[:-2], []).holds(3)  # the last line has no line end
    assert not _fed(data, []).holds(4)  # COPY read another number of rows
    assert _fed(HEADER_LINE, []).holds(0)
    assert not _fed(b"", []).holds(0)


def test_the_line_proof_gives_up_on_a_line_without_end_rather_than_hold_it():
    proof = LineProof()
    proof.feed(HEADER_LINE)
    for _ in range(100):
        proof.feed(b"x" * 65536)  # 6.5 MB with no line end: garbage after a good header
    assert not proof.holds(1) and proof._rest == b""


def _edits(canonical: str):
    """`canonical` with a few characters replaced, inserted or removed."""
    positions = st.integers(0, len(canonical))
    edit = st.tuples(st.sampled_from("rid"), positions, st.sampled_from(CHARS))

    def apply(edits):
        value = canonical
        for kind, at, char in edits:
            at = min(at, len(value))
            value = {"r": value[:at] + char + value[at + 1:], "i": value[:at] + char + value[at:],
                     "d": value[:at] + value[at + 1:]}[kind]
        return value
    return st.lists(edit, min_size=1, max_size=3).map(apply)


per_field_values = st.sampled_from(ROW_FIELDS[:-1]).flatmap(
    lambda f: st.tuples(st.just(f), _edits(TEMPLATE[f]) | st.text(st.sampled_from(CHARS), max_size=24)))


@given(per_field_values)
@example(("amt", "1e2"))
@example(("trans_date_trans_time", "2019-02-29 00:00:00"))
def test_a_proof_implies_the_rules_pass(conn, case):
    proven, reason = _one(conn, *case)
    assert not (proven and reason), (case, proven, reason)
