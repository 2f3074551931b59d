"""Auth hardening: brute force fails, a cached policy reaches only the token's own routes, no token leaks,
and every answer, error or not, is plain JSON with nothing internal in it.

API Gateway caches the authorizer's policy per token for 300 s and applies it to the token's next calls,
whatever route they go to; so the policy itself, not the route asked for, decides what a token can reach.
The policy is checked here with the same ARN glob matching the local gateway uses.
"""
import json
import random
import secrets
import string

from chalice.local import ARNMatcher

from chalicelib.ingest.auth import ALL_SCOPES, find_grant
from chalicelib.platform.clients import get_client
from tests.support.env import TEST_ENV
from tests.support.factories import make_transaction
from tests.support.tokens import FULL, INGEST_ONLY, INTERNALS, READ_ONLY, SCOPED_TOKENS

API_PREFIX = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/api"
CONCRETE_ROUTES = [("POST", "/transactions"), ("GET", "/transactions/t0001"), ("GET", "/alerts"),
                   ("GET", "/health"), ("GET", "/openapi.json"), ("DELETE", "/transactions"),
                   ("PUT", "/transactions/t0001"), ("GET", "/transactions")]
EXPECTED = {"ingest": {("POST", "/transactions")},
            "read": {("GET", "/transactions/t0001"), ("GET", "/alerts")}}


def _arn(method: str, path: str) -> str:
    return f"{API_PREFIX}/{method}{path}"


def _policy(token: str, method: str = "POST", path: str = "/transactions") -> dict:
    from app import token_authorizer

    return token_authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                             "methodArn": _arn(method, path)}, {})


def _reachable(policy: dict) -> set[tuple[str, str]]:
    allowed = [r for s in policy["policyDocument"]["Statement"] if s["Effect"] == "Allow" for r in s["Resource"]]
    return {(m, p) for m, p in CONCRETE_ROUTES if ARNMatcher(_arn(m, p)).does_any_resource_match(allowed)}


# ---- brute force -------------------------------------------------------------------------------------------

def _near_misses(token: str) -> list[str]:
    """Every one-character change of a real token, plus the usual tricks around it."""
    alphabet = string.ascii_letters + string.digits + "-_"
    out = {token[:i] + token[i + 1:] for i in range(len(token))}  # one deleted
    out |= {token[:i] + c + token[i + 1:] for i in range(len(token)) for c in random.Random(i).sample(alphabet, 3)}
    out |= {token[:i] + "x" + token[i:] for i in range(len(token) + 1)}  # one inserted
    out |= {token.upper(), token.lower(), token.swapcase(), token[::-1], token[:16], token + "\x00",
            token + "\u200b", "\u200b" + token, token.replace("-", "\u2010"), token * 2, token[:-1] + "\u0430"}
    out.discard(token)
    return sorted(out)


def test_thousands_of_random_tokens_are_all_denied(scoped):
    rng = random.Random(9)
    guesses = [secrets.token_urlsafe(rng.randint(8, 64)) for _ in range(3000)]
    tokens = get_client("secretsmanager").get_secret_value(SecretId=TEST_ENV["API_TOKENS_SECRET_ID"])
    stored = json.loads(tokens["SecretString"])
    assert [g for g in guesses if find_grant(f"Bearer {g}", stored) is not None] == []


def test_every_near_miss_of_a_real_token_is_denied():
    for token in (FULL, INGEST_ONLY, READ_ONLY):
        misses = _near_misses(token)
        assert len(misses) > 100
        assert [m for m in misses if find_grant(f"Bearer {m}", SCOPED_TOKENS) is not None] == []


def test_near_misses_through_the_api_are_all_403_with_the_same_bare_answer(api, scoped):
    answers = set()
    for miss in _near_misses(FULL)[::5]:
        response = api.http.post("/transactions", body=json.dumps(make_transaction()),
                                 headers={"Authorization": f"Bearer {miss}", "Content-Type": "application/json"})
        answers.add((response.status_code, response.body))
    assert answers == {(403, b'{"Message": "User is not authorized to access this resource"}')}


def test_a_denied_token_gets_a_policy_that_allows_nothing(scoped):
    policy = _policy("not-a-real-token-at-all-0000")
    assert policy["principalId"] == "anonymous"
    assert _reachable(policy) == set()


# ---- the cached policy ---------------------------------------------------------------------------------------

def test_the_policy_covers_exactly_the_routes_of_the_tokens_scopes(scoped):
    for token, scopes in [(INGEST_ONLY, {"ingest"}), (READ_ONLY, {"read"}), (FULL, ALL_SCOPES)]:
        expected = set().union(*(EXPECTED[s] for s in scopes))
        for method, path in CONCRETE_ROUTES:  # whichever call first filled the cache
            assert _reachable(_policy(token, method, path)) == expected, (token[:6], method, path)


def test_an_ingest_only_tokens_cached_policy_never_covers_a_get(scoped):
    policy = _policy(INGEST_ONLY, "POST", "/transactions")
    resources = policy["policyDocument"]["Statement"][0]["Resource"]
    assert resources == [f"{API_PREFIX}/POST/transactions"]
    assert not [r for r in resources if "/GET/" in r or "*" in r.split("/", 2)[-1].split("/", 1)[0]]


def test_the_policy_never_reaches_beyond_the_api_and_stage_that_asked(scoped):
    resources = _policy(FULL)["policyDocument"]["Statement"][0]["Resource"]
    assert resources and all(r.startswith(API_PREFIX + "/") for r in resources)


def test_a_token_with_no_known_scope_or_a_malformed_entry_reaches_nothing(scoped):
    assert _reachable(_policy("typo-" + "t" * 40)) == set()
    assert _reachable(_policy("nolist-" + "n" * 40)) == set()


def test_the_principal_is_the_tokens_name(scoped):
    assert _policy(INGEST_ONLY)["principalId"] == "pos-terminal"
    assert INGEST_ONLY not in json.dumps(_policy(INGEST_ONLY))




def test_a_failed_dependency_answers_503_retryable_without_internals(api, scoped, capsys):
    get_client("secretsmanager").delete_secret(SecretId=TEST_ENV["CARD_KEY_SECRET_ID"],
                                               ForceDeleteWithoutRecovery=True)
    headers = {"Authorization": f"Bearer {FULL}", "Content-Type": "application/json"}
    answer = api.http.post("/transactions", headers=headers, body=json.dumps(make_transaction()))
    assert answer.status_code == 503
    assert json.loads(answer.body) == {"message": "the service is unavailable; retry later"}
    assert '"event":"ingest_unavailable"' in capsys.readouterr().out


def test_an_unreachable_database_answers_503_without_internals(api, scoped):
    from chalicelib import runtime
    from chalicelib.platform.settings import get_settings

    assert get_settings().database_url is None and get_settings().db_secret_id  # the secret does not exist
    runtime.reset()
    answer = api.http.get("/transactions/t0001", headers={"Authorization": f"Bearer {FULL}"})
    assert answer.status_code == 503
    assert not [word for word in INTERNALS if word in answer.body.decode()]


