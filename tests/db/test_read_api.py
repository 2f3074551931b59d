"""GET /transactions/{trans_num}: the stored transaction with the card masked, or 404; authorized."""

import pytest

from tests.support.env import stage_env
from tests.support.rawfiles import BUCKET, clear_tables, make_loader, put_file, raw_key, record


@pytest.fixture
def stored(api, database_url):
    clear_tables(database_url)
    row = record(card=7, merchant='fraud_"Quoted", Inc.', amt="1234.50", is_fraud="")
    make_loader().load_object(BUCKET, put_file(raw_key("a"), [row]))
    return row


def test_a_stored_transaction_comes_back_with_the_card_masked(api, auth_headers, stored):
    response = api.http.get(f"/transactions/{stored['trans_num']}", headers=auth_headers)

    assert response.status_code == 200
    body = response.json_body
    loaded_at = body.pop("loaded_at")
    assert body == {
        "trans_num": stored["trans_num"], "trans_date_trans_time": stored["trans_date_trans_time"],
        "unix_time": int(stored["unix_time"]), "cc_last4": stored["cc_last4"], "merchant": 'fraud_"Quoted", Inc.',
        "category": stored["category"], "amt": "1234.50", "merch_lat": stored["merch_lat"],
        "merch_long": stored["merch_long"], "is_fraud": None,
    }
    assert loaded_at.endswith("Z")
    assert stored["card_token"] not in response.body.decode()


def test_an_unknown_trans_num_is_404(api, auth_headers, stored):
    response = api.http.get("/transactions/not_stored_here", headers=auth_headers)

    assert response.status_code == 404
    assert response.json_body == {"message": "transaction not found"}


@pytest.mark.parametrize("trans_num", ["x" * 65, "1%27%20OR%20%271%27%3D%271", "with.dot", "%C3%A9t%C3%A9"])
def test_a_trans_num_that_breaks_the_rule_is_400(api, auth_headers, stored, trans_num):
    response = api.http.get(f"/transactions/{trans_num}", headers=auth_headers)

    assert response.status_code == 400
    assert "trans_num must be" in response.json_body["message"]


def test_the_read_needs_a_token(api, stored):
    assert api.http.get(f"/transactions/{stored['trans_num']}").status_code == 401
    wrong = {"Authorization": "Bearer not-a-token"}
    assert api.http.get(f"/transactions/{stored['trans_num']}", headers=wrong).status_code == 403


@pytest.fixture
def database_down():
    with stage_env(DATABASE_URL="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"):
        yield


def test_the_read_says_503_when_the_database_is_down(api, auth_headers, database_down):
    response = api.http.get("/transactions/abc", headers=auth_headers)

    assert response.status_code == 503
    assert response.json_body == {"message": "the database is unavailable; retry later"}


def test_with_a_hot_window_the_404_says_an_older_transaction_is_in_the_lake(api, auth_headers, stored):
    with stage_env(HOT_DAYS="30"):
        response = api.http.get("/transactions/not_stored_here", headers=auth_headers)

    assert response.status_code == 404
    assert "loaded in the last 30 days" in response.json_body["message"]
