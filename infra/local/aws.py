"""moto in server mode on 127.0.0.1: the stream, bucket and secrets a stage needs, created at start.

The handlers reach it through the standard `AWS_ENDPOINT_URL`, exactly as they reach AWS without it.
moto holds everything in memory, which is why the stack drains before it stops (see stack.py).
"""
from __future__ import annotations

import json
import logging
import threading
import time

import boto3
from botocore.config import Config
from moto.server import DomainDispatcherApplication, MotoRequestHandler, ThreadedMotoServer, create_backend_app
from werkzeug.serving import make_server

from chalicelib.settings import Settings
from infra.local.state import TOKEN_NAME, LocalSecrets

REGION = "us-east-1"
# moto accepts any credentials; fixed fake ones keep a developer's real AWS profile out of the local stack.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_SESSION_TOKEN": "local"}
_CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)


class _OneAtATime:
    """moto's backends are not thread-safe: two PutRecords at once can get the same Kinesis sequence
    number, and one record silently replaces the other (seen: 9,854 of 10,000 records left after 4
    threads). AWS never loses an accepted record, so the emulator must not either: one request at a time."""

    def __init__(self, app):
        self._app, self._lock = app, threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            return list(self._app(environ, start_response))


class _SerializedMotoServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class Emulator:
    """A moto server running in a thread of this process."""

    def __init__(self, port: int = 0):
        self._server = _SerializedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint_url = ""

    def start(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call is noise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self.endpoint_url

    def stop(self) -> None:
        self._server.stop()

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
