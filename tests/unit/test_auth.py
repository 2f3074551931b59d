"""The token authorizer: Bearer tokens from a Secrets Manager secret of named tokens."""
import json

import pytest

from chalicelib.ingest.auth import find_grant, parse_bearer
from tests.support.env import API_TOKENS
from tests.support.factories import make_transaction

TOKEN_A, TOKEN_B = API_TOKENS["merchant-a"], API_TOKENS["merchant-a-next"]


def post(api, headers):
    return api.http.post("/transactions", headers={"Content-Type": "application/json", **headers},
                         body=json.dumps(make_transaction()))


def test_no_authorization_header_is_denied(api):
    response = post(api, {})
    assert response.status_code == 401
    assert json.loads(response.body) == {"message": "Unauthorized"}


@pytest.mark.parametrize("header", [
    f"Basic {TOKEN_A}", TOKEN_A, f"Token {TOKEN_A}", "Bearer", "Bearer ", f"Bearer {TOKEN_A} extra",
])
def test_wrong_scheme_or_malformed_header_is_denied(api, header):
    response = post(api, {"Authorization": header})
    assert response.status_code == 403
    assert TOKEN_A.encode() not in response.body


@pytest.mark.parametrize("token", ["tok-a-nope", TOKEN_A[:-1], TOKEN_A + "x", TOKEN_A.upper()])
def test_wrong_token_is_denied_without_detail(api, token):
    response = post(api, {"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert json.loads(response.body) == {"Message": "User is not authorized to access this resource"}


def test_right_token_is_allowed(api):
    assert post(api, {"Authorization": f"Bearer {TOKEN_A}"}).status_code == 202


def test_rotated_second_token_is_allowed_too(api):
    assert post(api, {"Authorization": f"Bearer {TOKEN_B}"}).status_code == 202


@pytest.mark.parametrize("header", [f"bearer {TOKEN_A}", f"BEARER {TOKEN_A}", f"  Bearer   {TOKEN_A}  ",
                                    f"Bearer\t{TOKEN_A}"])
def test_scheme_case_and_surrounding_whitespace_do_not_matter(api, header):
    assert post(api, {"Authorization": header}).status_code == 202


def test_principal_is_the_token_name_never_the_token():
    assert find_grant(f"Bearer {TOKEN_B}", API_TOKENS).principal == "merchant-a-next"


def test_a_short_or_empty_token_in_the_secret_never_matches():
    assert find_grant("Bearer abc", {"broken": "abc", "empty": ""}) is None


def test_parse_bearer_rejects_oversized_headers():
    assert parse_bearer("Bearer " + "x" * 5000) is None


def test_missing_token_secret_fails_the_authorizer_and_logs_no_token(api, capsys):
    """API Gateway answers a failed authorizer with 500 and caches nothing; a deny would stick for 300 s."""
    from chalicelib.platform.clients import get_client
    from chalicelib.platform.secrets import SecretUnavailable
    from tests.support.env import TEST_ENV

    get_client("secretsmanager").delete_secret(SecretId=TEST_ENV["API_TOKENS_SECRET_ID"],
                                               ForceDeleteWithoutRecovery=True)
    with pytest.raises(SecretUnavailable):  # chalice's test client passes the authorizer's error through
        post(api, {"Authorization": f"Bearer {TOKEN_A}"})
    out = capsys.readouterr().out
    assert '"event":"authorizer_error"' in out and TOKEN_A not in out


def test_tokens_never_appear_in_logs(api, capsys):
    post(api, {"Authorization": f"Bearer {TOKEN_A}"})
    post(api, {"Authorization": "Bearer wrong-token-value-123"})
    out = capsys.readouterr().out
    assert '"principal":"merchant-a"' in out
    assert TOKEN_A not in out and "wrong-token-value-123" not in out

