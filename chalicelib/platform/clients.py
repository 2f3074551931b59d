"""Lazy boto3 clients: created on first use, so moto and tests can set the stage first.

Local runs reach the emulator through the standard `AWS_ENDPOINT_URL` variable, which boto3 reads
itself; there is no endpoint plumbing here.
"""
from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)


@cache
def get_client(service: str):
    """A cached boto3 client for `service` ('kinesis', 's3', 'secretsmanager')."""
    return boto3.session.Session().client(service, config=_CONFIG)


def reset_clients() -> None:
    """Forget cached clients (tests, after switching moto on or off)."""
    get_client.cache_clear()
