import json

from tests.factories import make_transaction


def test_health_is_open_and_says_only_status_stage_version(api):
    response = api.http.get("/health")
    assert response.status_code == 200
    assert json.loads(response.body) == {"status": "ok", "stage": "test", "version": "0.1.0"}


def test_valid_batch_is_accepted(api, auth_headers):
    body = json.dumps({"transactions": [make_transaction(), make_transaction()]})
    response = api.http.post("/transactions", headers=auth_headers, body=body)
    assert response.status_code == 202, response.body
    assert json.loads(response.body) == {"accepted": 2, "rejected": []}
