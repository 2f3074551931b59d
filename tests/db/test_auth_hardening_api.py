"""Auth hardening through the API with a database behind the GET routes: scopes hold, no token leaks, every
answer is plain JSON with nothing internal in it (tests/unit/test_auth_hardening.py has the rest)."""
import json

import pytest

from tests.support.factories import make_transaction
from tests.support.tokens import FULL, INGEST_ONLY, INTERNALS, READ_ONLY, requests_for


def test_scopes_hold_through_the_api(api, scoped, database_url):
    def call(token, method, path, body=None):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return getattr(api.http, method.lower())(path, headers=headers, body=body).status_code

    item = json.dumps(make_transaction())
    assert call(INGEST_ONLY, "POST", "/transactions", item) == 202
    assert call(INGEST_ONLY, "GET", "/alerts") == 403
    assert call(INGEST_ONLY, "GET", "/transactions/t0001") == 403
    assert call(READ_ONLY, "POST", "/transactions", item) == 403
    assert call(READ_ONLY, "GET", "/alerts") == 200
    assert call(READ_ONLY, "GET", "/transactions/t0001") == 404


# ---- no token in logs or error bodies; sane headers ---------------------------------------------------------

@pytest.mark.parametrize("token", [FULL, "wrong-token-" + "w" * 30])
def test_no_token_appears_in_any_answer_or_log_line(api, scoped, database_url, capsys, token):
    answers = [api.http.request(method, path, headers=headers, body=body.encode())
               for method, path, headers, body in requests_for(token)]
    captured = capsys.readouterr()
    assert any(a.status_code == 202 for a in answers) or token != FULL
    for answer in answers:
        assert token.encode() not in answer.body
        assert token not in json.dumps(dict(answer.headers))
    assert token not in captured.out and token not in captured.err


def test_every_answer_is_json_with_a_json_content_type(api, scoped, database_url):
    for method, path, headers, body in requests_for(FULL):
        answer = api.http.request(method, path, headers=headers, body=body.encode())
        assert answer.headers.get("Content-Type", "").startswith("application/json") or answer.status_code in (
            401, 403, 415), (method, path, answer.status_code)  # the gateway's own answers: JSON, no header
        assert isinstance(json.loads(answer.body), dict)


def test_error_messages_carry_no_internals(api, scoped, database_url):
    for method, path, headers, body in requests_for(FULL):
        answer = api.http.request(method, path, headers=headers, body=body.encode())
        if answer.status_code >= 400:
            assert not [word for word in INTERNALS if word in answer.body.decode()], (path, answer.body)
