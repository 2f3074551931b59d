"""Shared fixtures. The stage is set before `app` is imported, as Lambda's environment would be."""
import json
import os
import secrets as _secrets

import pytest

TEST_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "STAGE": "test",
    "STREAM_NAME": "cardstream-test",
    "BUCKET_NAME": "cardstream-test",
    "API_TOKENS_SECRET_ID": "cardstream/test/api-tokens",
    "CARD_KEY_SECRET_ID": "cardstream/test/card-key",
    "DB_SECRET_ID": "cardstream/test/db",
    "PUT_BASE_DELAY_SECONDS": "0",
}
for _name, _value in TEST_ENV.items():
    os.environ[_name] = _value
os.environ.pop("AWS_ENDPOINT_URL", None)  # unit tests use moto's in-process mock, never a server
os.environ.pop("AWS_PROFILE", None)

API_TOKENS = {"merchant-a": "tok-a-" + "x" * 40, "merchant-a-next": "tok-a2-" + "y" * 40}
CARD_KEY_HEX = _secrets.token_hex(32)


@pytest.fixture
def aws():
    """moto's in-process AWS with the stream, bucket and secrets of a stage; fresh clients."""
    from moto import mock_aws

    from chalicelib import runtime
    from chalicelib.clients import get_client

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
