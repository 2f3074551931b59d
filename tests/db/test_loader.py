"""The loader on one file at a time: exact counts, the ledger, duplicates, rejects, bad files, failures."""
import gzip
import io
from unittest import mock

import pytest
from botocore.response import StreamingBody

from chalicelib.load.loader import Loader
from chalicelib.platform.clients import get_client
from chalicelib.platform.db import Database, DatabaseUnavailable, open_connection
from tests.support.rawfiles import (
    BUCKET,
    QUARANTINE,
    clear_tables,
    counts,
    make_database,
    make_loader,
    put_file,
    query,
    raw_key,
    record,
)


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def three_cards_two_merchants() -> list[dict]:
    return [record(card=1, merchant="fraud_Rippin, Kub and Mann"),
            record(card=1, merchant="fraud_Heller, Gutmann and Zieme", trans_date_trans_time="2019-01-01 00:05:00"),
            record(card=2, merchant="fraud_Rippin, Kub and Mann", street="43039 Riley Greens Suite 393"),
            record(card=3, merchant="fraud_Heller, Gutmann and Zieme", first="Zoë")]  # card 1's address


def test_a_file_loads_with_exact_counts_in_every_table(dsn):
    key = put_file(raw_key("a"), three_cards_two_merchants())

    result = make_loader().load_object(BUCKET, key)

    assert (result.status, result.rows_total, result.rows_inserted, result.rows_duplicate, result.rows_rejected) \
        == ("loaded", 4, 4, 0, 0)
    assert counts(dsn) == {"rejected_row": 0, "card_transaction": 4, "customer": 3, "customer_address": 2,
                           "merchant": 2, "ingest_file": 1}
    assert query(dsn, "SELECT status, rows_total, rows_inserted, etag <> '' FROM ingest_file") \
        == [("loaded", 4, 4, True)]


def test_loaded_rows_keep_their_values_and_every_reference_holds(dsn):
    rows = three_cards_two_merchants()
    key = put_file(raw_key("a"), rows)
    make_loader().load_object(BUCKET, key)

    stored = query(dsn, """
        SELECT t.trans_num, c.card_token, c.cc_last4, m.name, t.amt::text, t.merch_lat::text, c.first, a.city, a.zip,
               t.trans_date_trans_time::text, t.source_key
        FROM card_transaction t JOIN customer c USING (card_token) JOIN merchant m USING (merchant_id)
        JOIN customer_address a USING (address_id) ORDER BY t.trans_num""")
    expected = sorted((r["trans_num"], r["card_token"], r["cc_last4"], r["merchant"], r["amt"], r["merch_lat"],
                       r["first"], r["city"], r["zip"], r["trans_date_trans_time"], key) for r in rows)
    assert stored == expected
    orphans = query(dsn, """SELECT count(*) FROM card_transaction t
        WHERE NOT EXISTS (SELECT 1 FROM customer c WHERE c.card_token = t.card_token)
           OR NOT EXISTS (SELECT 1 FROM merchant m WHERE m.merchant_id = t.merchant_id)""")
    assert orphans == [(0,)]


def test_loading_the_same_object_again_is_skipped_by_the_ledger(dsn):
    key = put_file(raw_key("a"), three_cards_two_merchants())
    loader = make_loader()
    loader.load_object(BUCKET, key)
    before = counts(dsn)

    again = loader.load_object(BUCKET, key)

    assert (again.status, again.reason) == ("skipped", "already loaded")
    assert counts(dsn) == before


def test_the_same_rows_in_another_file_are_all_duplicates(dsn):
    rows = three_cards_two_merchants()
    loader = make_loader()
    loader.load_object(BUCKET, put_file(raw_key("a"), rows))
    before = counts(dsn)

    second = loader.load_object(BUCKET, put_file(raw_key("b"), rows))

    assert (second.status, second.rows_total, second.rows_inserted, second.rows_duplicate) == ("loaded", 4, 0, 4)
    assert counts(dsn) == {**before, "ingest_file": 2}


def test_a_rewritten_object_with_new_content_is_a_new_version_in_the_ledger(dsn):
    key = raw_key("a")
    loader = make_loader()
    loader.load_object(BUCKET, put_file(key, [record(card=1)]))

    second = loader.load_object(BUCKET, put_file(key, [record(card=1), record(card=2)]))

    assert (second.status, second.rows_inserted) == ("loaded", 2)
    assert query(dsn, "SELECT count(DISTINCT etag) FROM ingest_file WHERE key = %s", (key,)) == [(2,)]


def test_duplicates_inside_one_file_are_loaded_once_and_counted(dsn):
    first, other = record(card=1), record(card=2)
    key = put_file(raw_key("a"), [first, other, first, first])

    result = make_loader().load_object(BUCKET, key)

    assert (result.rows_total, result.rows_inserted, result.rows_duplicate) == (4, 2, 2)
    assert counts(dsn)["card_transaction"] == 2


def test_mixed_good_and_bad_rows_load_the_good_and_reject_the_bad_with_reasons(dsn):
    good = [record(card=1), record(card=2)]
    bad = [record(card=3, amt="-4.00"), record(card=4, zip="5155", merch_lat="91.000000"),
           record(card=5, trans_date_trans_time="2019-02-30 00:00:00")]
    key = put_file(raw_key("a"), [good[0], bad[0], bad[1], good[1], bad[2]])

    result = make_loader().load_object(BUCKET, key)

    assert (result.rows_total, result.rows_inserted, result.rows_rejected) == (5, 2, 3)
    rejected = query(dsn, "SELECT line_no, reason, row_data->>'trans_num' FROM rejected_row ORDER BY line_no")
    assert rejected == [
        (3, "amt: must be >= 0", bad[0]["trans_num"]),
        (4, "merch_lat: must be between -90 and 90; zip: is not canonical (5 digits, like 05155)", bad[1]["trans_num"]),
        (6, "trans_date_trans_time: is not a real date and time", bad[2]["trans_num"]),
    ]
    assert sorted(r[0] for r in query(dsn, "SELECT trans_num FROM card_transaction")) \
        == sorted(r["trans_num"] for r in good)
    assert counts(dsn)["customer"] == 2  # the rejected rows' cards are not stored


def test_a_rejected_row_keeps_the_whole_row_and_no_card_number(dsn):
    row = record(card=9, amt="abc")
    make_loader().load_object(BUCKET, put_file(raw_key("a"), [row]))

    (stored,) = query(dsn, "SELECT row_data FROM rejected_row")[0]

    assert stored == {name: value or None for name, value in row.items()}  # is_fraud "" is read as NULL


def test_a_gzipped_file_loads_like_a_plain_one(dsn):
    key = put_file(raw_key("a", suffix=".csv.gz"), three_cards_two_merchants(), gzip=True)

    result = make_loader().load_object(BUCKET, key)

    assert (result.status, result.rows_inserted) == ("loaded", 4)


def test_gzip_is_told_by_its_magic_bytes_not_the_key(dsn):
    key = put_file(raw_key("a", suffix=".csv"), [record(card=1)], gzip=True)

    assert make_loader().load_object(BUCKET, key).status == "loaded"


def test_a_header_only_file_loads_with_no_rows(dsn):
    result = make_loader().load_object(BUCKET, put_file(raw_key("a"), []))

    assert (result.status, result.rows_total) == ("loaded", 0)


@pytest.mark.parametrize("content,reason", [
    (b"", "file is empty: no header line"),
    (b"trans_num,amt\r\n1,2\r\n", "wrong header"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "wrong header"),
    ("cut gzip", "not a readable gzip file"),
    ("latin-1", "not a readable CSV file: invalid byte sequence for encoding \"UTF8\""),
    ("ragged", "not a readable CSV file: extra data after last expected column (line 2)"),
    ("open quote", "not a readable CSV file: unterminated CSV quoted field"),
])
def test_a_bad_file_is_rejected_with_its_reason_and_quarantined(dsn, content, reason):
    good = put_file(raw_key("probe"), [record(card=n) for n in range(50)])
    body = get_client("s3").get_object(Bucket=BUCKET, Key=good)["Body"].read()
    content = {"cut gzip": gzip.compress(body)[:len(gzip.compress(body)) // 2],
               "latin-1": body.replace(b"Jennifer", b"Jennif\xe9r"),
               "ragged": body.replace(b"\r\n", b",x,y\r\n", 2).replace(b",x,y", b"", 1),
               "open quote": body + b'"never closed,'}.get(content, content)
    key = put_file(raw_key("bad"), content)

    result = make_loader().load_object(BUCKET, key)

    assert result.status == "rejected" and result.reason.startswith(reason)
    assert query(dsn, "SELECT status, reason FROM ingest_file WHERE key = %s", (key,)) == [("rejected", result.reason)]
    copy = get_client("s3").get_object(Bucket=BUCKET, Key=f"{QUARANTINE}files/{key}")
    assert copy["Body"].read() == content
    assert counts(dsn)["card_transaction"] == 0


def test_a_file_without_its_header_is_rejected_without_echoing_its_rows(dsn):
    row = record(card=1, first="Jennifer", street="561 Perry Cove")
    data = get_client("s3").get_object(Bucket=BUCKET, Key=put_file(raw_key("probe"), [row]))["Body"].read()
    headless = data.split(b"\r\n", 1)[1]

    result = make_loader().load_object(BUCKET, put_file(raw_key("headless"), headless))

    assert result.status == "rejected"
    assert result.reason.endswith("field 1 is not a column name, expected 'trans_date_trans_time'")
    assert not [value for value in row.values() if len(value) > 2 and value in result.reason]


def test_a_bad_file_is_not_retried_forever(dsn):
    key = put_file(raw_key("bad"), b"not,a,raw,file\r\n")
    loader = make_loader()
    loader.load_object(BUCKET, key)

    again = loader.load_object(BUCKET, key)

    assert (again.status, again.reason) == ("skipped", "already rejected")


def test_a_failure_after_the_facts_commits_nothing_and_the_retry_loads_everything(dsn):
    key = put_file(raw_key("a"), three_cards_two_merchants())

    def crash(cur, context):
        raise RuntimeError("injected: the function died after writing the facts")

    with pytest.raises(RuntimeError, match="injected"):
        make_loader(hooks=[crash]).load_object(BUCKET, key)
    assert counts(dsn) == dict.fromkeys(counts(dsn), 0)

    retry = make_loader().load_object(BUCKET, key)
    assert (retry.status, retry.rows_inserted) == ("loaded", 4)
    assert counts(dsn)["card_transaction"] == 4


def breaking_s3(good_bytes: int):
    """The real (moto) S3 client, except that object bodies break after `good_bytes`, as a dropped
    connection would: a stand-in built with spec= that wraps the real client."""
    s3 = get_client("s3")
    stand_in = mock.Mock(spec=s3, wraps=s3)

    def get_object(**kwargs):
        obj = s3.get_object(**kwargs)
        obj["Body"] = _BreakingBody(obj["Body"].read()[:good_bytes])
        return obj

    stand_in.get_object.side_effect = get_object
    return stand_in


class _BreakingBody(StreamingBody):
    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data), len(data))

    def read(self, amt=None):
        chunk = super().read(amt)
        if not chunk:
            raise ConnectionResetError("injected: connection reset while reading the object")
        return chunk


def test_an_s3_stream_that_breaks_mid_copy_raises_and_commits_nothing(dsn):
    rows = [record(card=n % 7) for n in range(400)]
    key = put_file(raw_key("a"), rows)
    size = get_client("s3").head_object(Bucket=BUCKET, Key=key)["ContentLength"]
    loader = Loader(breaking_s3(good_bytes=size // 2), make_database(), QUARANTINE)

    with pytest.raises(ConnectionResetError):
        loader.load_object(BUCKET, key)

    assert counts(dsn) == dict.fromkeys(counts(dsn), 0)
    assert make_loader().load_object(BUCKET, key).rows_inserted == 400


def test_a_missing_object_is_reported_not_raised(dsn):
    result = make_loader().load_object(BUCKET, raw_key("never-written"))

    assert result.status == "missing"
    assert counts(dsn)["ingest_file"] == 0


def test_an_unreachable_database_raises_so_lambda_retries(aws):
    nothing_listens = {"host": "127.0.0.1", "port": 1, "user": "x", "password": "y", "connect_timeout": 2}
    db = Database(lambda: open_connection(nothing_listens))
    key = put_file(raw_key("a"), [record(card=1)])

    with pytest.raises(DatabaseUnavailable):
        Loader(get_client("s3"), db, QUARANTINE).load_object(BUCKET, key)


def test_the_loader_needs_no_more_than_the_loader_role(dsn):
    key = put_file(raw_key("a"), three_cards_two_merchants() + [record(card=4, amt="-1.00")])

    result = make_loader(role="cardstream_loader").load_object(BUCKET, key)

    assert (result.status, result.rows_inserted, result.rows_rejected) == ("loaded", 4, 1)
