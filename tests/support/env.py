"""The test stage's environment (what Lambda's would hold), its tokens and card key, and `stage_env`.

tests/conftest.py applies TEST_ENV to the process before anything imports `app`.
"""
import contextlib
import os
import secrets as _secrets

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
API_TOKENS = {"merchant-a": "tok-a-" + "x" * 40, "merchant-a-next": "tok-a2-" + "y" * 40}
CARD_KEY_HEX = _secrets.token_hex(32)


@contextlib.contextmanager
def stage_env(**values: str):
    """Environment variables set for a block, as a stage's config would set them. The cached settings, clients
    and services are forgotten on the way in and out, so nothing built under one setting outlives it."""
    from chalicelib import runtime

    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    runtime.reset()
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        runtime.reset()
