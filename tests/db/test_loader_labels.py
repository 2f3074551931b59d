"""Late labels, and which values a customer keeps when files arrive out of order."""
import pytest

from tests.support.rawfiles import BUCKET, clear_tables, make_loader, put_file, query, raw_key, record


@pytest.fixture
def dsn(aws, database_url):
    clear_tables(database_url)
    return database_url


def load(name: str, rows: list[dict]):
    return make_loader().load_object(BUCKET, put_file(raw_key(name), rows))


def label_of(dsn, trans_num: str):
    return query(dsn, "SELECT is_fraud FROM card_transaction WHERE trans_num = %s", (trans_num,))


def test_a_late_label_sets_is_fraud_without_a_second_row(dsn):
    live = record(card=1, is_fraud="")
    load("live", [live])
    assert label_of(dsn, live["trans_num"]) == [(None,)]

    labelled = load("labels", [{**live, "is_fraud": "1"}])

    assert (labelled.rows_inserted, labelled.rows_duplicate, labelled.labels_updated) == (0, 1, 1)
    assert label_of(dsn, live["trans_num"]) == [(True,)]


def test_an_unknown_label_never_clears_a_known_one(dsn):
    row = record(card=1, is_fraud="1")
    load("labelled", [row])

    again = load("unlabelled", [{**row, "is_fraud": ""}])

    assert again.labels_updated == 0
    assert label_of(dsn, row["trans_num"]) == [(True,)]


def test_the_same_label_again_is_not_an_update(dsn):
    row = record(card=1, is_fraud="0")
    load("first", [row])

    assert load("second", [row]).labels_updated == 0


def test_within_one_file_the_labelled_occurrence_wins(dsn):
    row = record(card=1, is_fraud="")
    result = load("both", [{**row, "is_fraud": "1"}, row])

    assert (result.rows_inserted, result.rows_duplicate) == (1, 1)
    assert label_of(dsn, row["trans_num"]) == [(True,)]


def customer(dsn, card_token: str):
    return query(dsn, """SELECT c.first, a.street, c.last_seen::text FROM customer c JOIN customer_address a
                         USING (address_id) WHERE c.card_token = %s""", (card_token,))


def test_a_card_seen_at_a_new_address_moves_to_it(dsn):
    before = record(card=1, street="1 Old Road", trans_date_trans_time="2019-01-01 08:00:00")
    after = record(card=1, street="2 New Street", trans_date_trans_time="2019-01-02 08:00:00")
    load("before", [before])

    load("after", [after])

    assert customer(dsn, after["card_token"]) == [("Jennifer", "2 New Street", "2019-01-02 08:00:00")]
    assert query(dsn, "SELECT count(*) FROM customer_address") == [(2,)]


def test_an_older_file_loaded_late_does_not_overwrite_newer_values(dsn):
    newer = record(card=1, first="Jen", street="2 New Street", trans_date_trans_time="2019-01-02 08:00:00")
    older = record(card=1, first="Jennifer", street="1 Old Road", trans_date_trans_time="2019-01-01 08:00:00")
    load("newer", [newer])

    late = load("older", [older])

    assert late.rows_inserted == 1  # its transaction is stored; only the customer keeps the newer values
    assert customer(dsn, newer["card_token"]) == [("Jen", "2 New Street", "2019-01-02 08:00:00")]


def test_within_one_file_the_latest_transaction_time_wins_not_the_line_order(dsn):
    rows = [record(card=1, street="2 New Street", trans_date_trans_time="2019-01-02 08:00:00"),
            record(card=1, street="1 Old Road", trans_date_trans_time="2019-01-01 08:00:00")]
    load("mixed", rows)

    assert customer(dsn, rows[0]["card_token"]) == [("Jennifer", "2 New Street", "2019-01-02 08:00:00")]


def test_at_the_same_transaction_time_the_later_line_wins(dsn):
    rows = [record(card=1, job="Pilot"), record(card=1, job="Baker")]
    load("tie", rows)

    assert query(dsn, "SELECT job FROM customer") == [("Baker",)]
