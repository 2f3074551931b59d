"""GET /alerts: authorized, paginated with a cursor, the card masked, 400 on a malformed query."""
import datetime as dt

import pytest

from tests.support.env import TEST_ENV
from tests.support.fraud_cases import START, FraudBench, background, txn

ALERTS = 5


@pytest.fixture
def alerts(api, database_url):
    """ALERTS night-time high amounts on card 3 among ordinary spending, loaded with scoring on."""
    from chalicelib.platform.clients import get_client

    bench = FraudBench(database_url, get_client("s3"), TEST_ENV["BUCKET_NAME"])
    bench.reset()
    night = START.replace(hour=23)
    spree = [txn(3, night + dt.timedelta(minutes=9 * i), f"{700 + 41 * i:.2f}", "shopping_net")
             for i in range(ALERTS)]
    bench.load(background("shopping_net", count=60), [txn(4, START, "12.00", "shopping_net")] + spree)
    assert bench.query("SELECT count(*) FROM fraud_alert") == [(ALERTS,)]
    yield spree
    bench.db.close()


def _get(api, headers, query=""):
    return api.http.get(f"/alerts{query}", headers=headers)


def test_alerts_need_a_token(api, alerts):
    assert _get(api, {}).status_code == 401
    assert _get(api, {"Authorization": "Bearer not-a-token"}).status_code == 403


def test_an_alert_shows_score_reasons_and_only_the_cards_last_four_digits(api, auth_headers, alerts):
    response = _get(api, auth_headers)
    assert response.status_code == 200
    first = response.json_body["alerts"][0]
    assert set(first) == {"trans_num", "score", "reasons", "rule_version", "created_at", "trans_date_trans_time",
                          "cc_last4", "merchant", "category", "amt", "is_fraud"}
    assert first["cc_last4"] == alerts[0]["cc_last4"] and 0.55 <= first["score"] <= 1
    assert first["reasons"][0].split(":")[0] in {"night_high_amount", "amount_vs_category"}
    assert all(record["card_token"] not in response.body.decode() for record in alerts)


def test_pages_follow_the_cursor_without_gaps_or_repeats(api, auth_headers, alerts):
    seen, query, pages = [], "?limit=2", 0
    while True:
        body = _get(api, auth_headers, query).json_body
        seen += [alert["trans_num"] for alert in body["alerts"]]
        pages += 1
        if body["next"] is None:
            break
        query = f"?limit=2&after={body['next']}"
    assert pages == 3
    assert sorted(seen) == sorted(record["trans_num"] for record in alerts) and len(seen) == len(set(seen))


def test_since_keeps_only_alerts_created_at_or_after_it(api, auth_headers, alerts):
    created = _get(api, auth_headers).json_body["alerts"][0]["created_at"]
    assert len(_get(api, auth_headers, f"?since={created}").json_body["alerts"]) == ALERTS
    later = (dt.datetime.fromisoformat(created) + dt.timedelta(seconds=1)).isoformat()
    assert _get(api, auth_headers, f"?since={later.replace('+', '%2B')}").json_body == {"alerts": [], "next": None}


@pytest.mark.parametrize(("query", "message"), [
    ("?since=yesterday", "since must be an ISO 8601"),
    ("?limit=0", "limit must be a whole number from 1 to 500"),
    ("?limit=501", "limit must be a whole number from 1 to 500"),
    ("?limit=ten", "limit must be a whole number from 1 to 500"),
    ("?after=bm90LWEtY3Vyc29y", "after must be the `next` value"),
    ("?page=2", "unknown query parameter"),
])
def test_a_malformed_query_is_400_with_a_reason(api, auth_headers, alerts, query, message):
    response = _get(api, auth_headers, query)
    assert response.status_code == 400
    assert message in response.json_body["message"]
