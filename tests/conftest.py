"""The root of the test tiers: the stage's environment set before `app` is imported (as Lambda's would be),
the hypothesis profiles, moto's AWS and the chalice test client. The PostgreSQL fixtures come from
tests/support/postgres.py. Tiers: unit/ (no database, no emulator), db/, stack/, infra/.
"""
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.env import API_TOKENS, CARD_KEY_HEX, TEST_ENV

pytest_plugins = ("tests.support.postgres",)

for _name, _value in TEST_ENV.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)  # unit tests use moto's in-process mock, never a server
os.environ.pop("AWS_PROFILE", None)

# Example counts are bounded so `make test` stays fast; `make fuzz` raises them (HYPOTHESIS_PROFILE=fuzz).
settings.register_profile("default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TIERS = ("unit", "db", "stack", "infra")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries its tier as a marker (folder = tier), so `-m "not stack"` and the like select by tier."""
    here = Path(__file__).parent
    for item in items:
        tier = item.path.relative_to(here).parts[0] if item.path.is_relative_to(here) else None
        if tier in TIERS:
            item.add_marker(tier)


@pytest.fixture
def aws():
    """moto's in-process AWS with the stream, bucket and secrets of a stage; fresh clients."""
    from moto import mock_aws

    from chalicelib import runtime
    from chalicelib.platform.clients import get_client

    with mock_aws():
        runtime.reset()
        get_client("kinesis").create_stream(StreamName=TEST_ENV["STREAM_NAME"], ShardCount=2)
        get_client("s3").create_bucket(Bucket=TEST_ENV["BUCKET_NAME"])
        sm = get_client("secretsmanager")
        sm.create_secret(Name=TEST_ENV["API_TOKENS_SECRET_ID"], SecretString=json.dumps(API_TOKENS))
        sm.create_secret(Name=TEST_ENV["CARD_KEY_SECRET_ID"], SecretString=json.dumps({"key": CARD_KEY_HEX}))
        yield
        runtime.reset()


@pytest.fixture
def api(aws):
    """chalice's test client over the real app, authorizer included."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


@pytest.fixture
def auth_headers():
    return {"Authorization": f"Bearer {API_TOKENS['merchant-a']}", "Content-Type": "application/json"}


@pytest.fixture
def scoped(aws):
    """The stage's API tokens secret holds tests/support/tokens.py's scoped tokens too."""
    from chalicelib.platform.clients import get_client
    from tests.support.tokens import SCOPED_TOKENS

    get_client("secretsmanager").put_secret_value(SecretId=TEST_ENV["API_TOKENS_SECRET_ID"],
                                                  SecretString=json.dumps(SCOPED_TOKENS))
