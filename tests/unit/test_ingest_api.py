"""POST /transactions: batch limits, outcomes and status codes, and what reaches the stream."""
import hashlib
import hmac
import json

import pytest

from chalicelib.platform.clients import get_client
from chalicelib.stream.record import decode_stream_record
from tests.support.api import post, stream_records
from tests.support.env import CARD_KEY_HEX, TEST_ENV
from tests.support.factories import make_transaction


def test_one_transaction_object_is_accepted(api, auth_headers):
    response = post(api, auth_headers, make_transaction())
    assert response.status_code == 202
    assert json.loads(response.body) == {"accepted": 1, "rejected": []}


def test_a_batch_of_500_is_accepted(api, auth_headers):
    response = post(api, auth_headers, {"transactions": [make_transaction() for _ in range(500)]})
    assert response.status_code == 202
    assert json.loads(response.body)["accepted"] == 500
    assert len(stream_records()) == 500


def test_a_batch_of_501_is_too_large(api, auth_headers):
    response = post(api, auth_headers, {"transactions": [make_transaction() for _ in range(501)]})
    assert response.status_code == 413
    assert "at most 500" in json.loads(response.body)["message"]
    assert stream_records() == []


def test_an_oversized_body_is_too_large(api, auth_headers):
    response = post(api, auth_headers, {"transactions": [make_transaction(job="x" * 200)] * 2,
                                        "pad": "x" * (4 * 1024 * 1024)})
    assert response.status_code == 413


def test_an_empty_batch_is_a_bad_request(api, auth_headers):
    response = post(api, auth_headers, {"transactions": []})
    assert response.status_code == 400
    assert "1 to 500" in json.loads(response.body)["message"]


@pytest.mark.parametrize("body", ["{not json", "", "[1, 2]", '"text"', '{"transactions": {"a": 1}}',
                                  b"\xff\xfe garbage"])
def test_a_body_that_is_not_a_transaction_or_batch_is_a_bad_request(api, auth_headers, body):
    response = post(api, auth_headers, body)
    assert response.status_code == 400
    assert "message" in json.loads(response.body)


def test_wrong_content_type_is_unsupported(api, auth_headers):
    response = post(api, auth_headers, make_transaction(), **{"Content-Type": "text/csv"})
    assert response.status_code == 415


def test_mixed_batch_accepts_the_valid_and_lists_the_rejected_with_field_errors(api, auth_headers):
    bad = make_transaction(amt="-1", state="nc")
    response = post(api, auth_headers, {"transactions": [make_transaction(), bad, make_transaction()]})
    assert response.status_code == 202
    assert json.loads(response.body) == {"accepted": 2, "rejected": [{
        "index": 1, "trans_num": bad["trans_num"],
        "errors": {"amt": ["must be >= 0"], "state": ["must be two capital letters"]}}]}
    assert len(stream_records()) == 2


def test_all_items_invalid_is_a_bad_request_with_the_same_body(api, auth_headers):
    response = post(api, auth_headers, {"transactions": [make_transaction(zip="abc"), {"nope": 1}]})
    assert response.status_code == 400
    body = json.loads(response.body)
    assert body["accepted"] == 0 and [r["index"] for r in body["rejected"]] == [0, 1]


def test_rejections_never_echo_the_card_number(api, auth_headers):
    bad = make_transaction(amt="oops")
    response = post(api, auth_headers, {"transactions": [bad]})
    assert bad["cc_num"].encode() not in response.body


def test_stream_records_carry_token_and_last4_and_never_the_pan(api, auth_headers, capsys):
    sent = [make_transaction() for _ in range(20)]
    assert post(api, auth_headers, {"transactions": sent}).status_code == 202
    records = stream_records()
    assert len(records) == 20
    blob = b"".join(r["data"] for r in records) + capsys.readouterr().out.encode()
    assert not [t["cc_num"] for t in sent if t["cc_num"].encode() in blob]
    by_num = {t["trans_num"]: t for t in sent}
    for record in records:
        data = decode_stream_record(record["data"])
        pan = by_num[data["trans_num"]]["cc_num"]
        expected = hmac.new(bytes.fromhex(CARD_KEY_HEX), pan.encode(), hashlib.sha256).hexdigest()
        assert data["card_token"] == expected == record["partition_key"]
        assert data["cc_last4"] == pan[-4:]
        assert "cc_num" not in data


def test_a_request_logs_one_json_line_without_payload(api, auth_headers, capsys):
    item = make_transaction()
    post(api, auth_headers, item)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1
    assert requests[0]["accepted"] == 1 and requests[0]["principal"] == "merchant-a"
    assert {"latency_ms", "rejected", "level"} <= set(requests[0])  # request_id: None in the test client, left out
    assert item["first"] not in json.dumps(lines) and item["cc_num"] not in json.dumps(lines)


def test_unavailable_stream_answers_503_listing_what_to_resend(api, auth_headers):
    get_client("kinesis").delete_stream(StreamName=TEST_ENV["STREAM_NAME"])
    items = [make_transaction(), make_transaction()]
    response = post(api, auth_headers, {"transactions": items})
    assert response.status_code == 503
    body = json.loads(response.body)
    assert body["accepted"] == 0 and body["not_accepted"] == [i["trans_num"] for i in items]


def test_non_ascii_text_reaches_the_stream_intact(api, auth_headers):
    post(api, auth_headers, make_transaction(merchant="fraud_Zoë, Søn"))
    data = decode_stream_record(stream_records()[0]["data"])
    assert data["merchant"] == "fraud_Zoë, Søn"


def test_json_content_type_with_a_charset_is_accepted(api, auth_headers):
    response = post(api, auth_headers, make_transaction(), **{"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 202


@pytest.mark.parametrize("body", ["[" * 5_000 + "]" * 5_000, '{"transactions": ' + "[" * 200_000,
                                  '{"a": ' * 50_000 + "1" + "}" * 50_000])
def test_a_deeply_nested_body_is_a_bad_request_not_a_server_error(api, auth_headers, body):
    response = post(api, auth_headers, body)
    assert response.status_code == 400
    assert json.loads(response.body)["message"] in {"body is nested too deeply", "body is not valid JSON"}
