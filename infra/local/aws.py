"""moto in server mode on 127.0.0.1: the stream, bucket and secrets a stage needs, created at start.

The handlers reach it through the standard `AWS_ENDPOINT_URL`, exactly as they reach AWS without it.
moto holds everything in memory, which is why the stack drains before it stops (see stack.py).
"""
from __future__ import annotations

import json
import selectors
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

from chalicelib.settings import Settings
from infra.local import children
from infra.local.state import TOKEN_NAME, LocalSecrets

PROJECT_DIR = Path(__file__).resolve().parents[2]

REGION = "us-east-1"
# moto accepts any credentials; fixed fake ones keep a developer's real AWS profile out of the local stack.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
_CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)


class Emulator:
    """A moto server in a child process (see emulator_server.py)."""

    def __init__(self, port: int = 0, stock: bool = False):
        self._port = port
        self.stock = stock
        self._proc: subprocess.Popen | None = None
        self.endpoint_url = ""
        self.speedups = False

    def start(self, timeout: float = 60.0) -> str:
        cmd = [sys.executable, "-m", "infra.local.emulator_server", "--port", str(self._port)]
        # stdout carries only the `listening` line; warnings (an unproven moto) go to stderr, the stack's output.
        self._proc = children.spawn([*cmd, "--stock"] if self.stock else cmd, cwd=PROJECT_DIR,
                                    stdout=subprocess.PIPE, stderr=None)
        line = _read_line(self._proc, timeout)
        if not line.startswith("listening "):
            exited = self._proc.poll()
            children.stop(self._proc)
            why = f"it exited with {exited}; its error is above" if exited is not None else f"it said {line!r}"
            raise RuntimeError(f"the moto server (infra/local/emulator_server.py) did not start: {why}")
        words = line.split()
        self.endpoint_url = f"http://127.0.0.1:{int(words[1])}"
        self.speedups = "speedups=on" in words
        return self.endpoint_url

    def stop(self) -> None:
        children.stop(self._proc)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def client_env(self) -> dict[str, str]:
        """What a process needs to talk to this emulator with plain boto3."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, "AWS_DEFAULT_REGION": REGION, **FAKE_CREDENTIALS}

    def client(self, service: str):
        return boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=REGION,
        ).client(service, endpoint_url=self.endpoint_url, config=_CLIENT_CONFIG)


def create_resources(emulator: Emulator, settings: Settings, secrets: LocalSecrets,
                     db_secret: dict, shard_count: int = 2) -> None:
    """The stage's stream (ACTIVE), bucket and secrets: API tokens, card-token key, DB credentials."""
    kinesis = emulator.client("kinesis")
    kinesis.create_stream(StreamName=settings.stream_name, ShardCount=shard_count)
    emulator.client("s3").create_bucket(Bucket=settings.bucket_name)
    sm = emulator.client("secretsmanager")
    values = {
        settings.api_tokens_secret_id: {TOKEN_NAME: secrets.api_token},
        settings.card_key_secret_id: {"key": secrets.card_key_hex},
    }
    if settings.db_secret_id:
        values[settings.db_secret_id] = db_secret
    for name, value in values.items():
        sm.create_secret(Name=name, SecretString=json.dumps(value))
    _wait_active(kinesis, settings.stream_name)


def _wait_active(kinesis, stream_name: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]["StreamStatus"] \
            != "ACTIVE":
        if time.monotonic() > deadline:
            raise RuntimeError(f"stream {stream_name} did not become ACTIVE")
        time.sleep(0.05)


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The child's first stdout line, or "" if it exits or stays silent for `timeout` seconds."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return proc.stdout.readline().decode("utf-8", "replace").strip()
