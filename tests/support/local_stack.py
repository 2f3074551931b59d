"""The real local stack (`python -m infra.local up`) as a child process, for the stack tier's tests."""
import os
import socket
from pathlib import Path

import boto3

from client.replay import replay
from infra.local.process import StackProcess
from tests.support.env import TEST_ENV

PROJECT_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def person_env(database_url: str | None) -> dict[str, str]:
    """A person's environment, not the unit tests' stage (tests/conftest.py sets that on this process), on
    `database_url` when given (else the stack embeds its own PostgreSQL)."""
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENV and k != "DATABASE_URL"}
    return {**env, "DATABASE_URL": database_url} if database_url else env


class Stack:
    """The stack child process plus what its stack.json says."""

    def __init__(self, state_dir: Path, database_url: str | None):
        self.process = StackProcess(PROJECT_DIR, state_dir, free_port(), env=person_env(database_url))
        self.info: dict = {}

    def start(self) -> None:
        self.info = self.process.start()

    def stop(self) -> int:
        return self.process.stop()

    @property
    def dsn(self) -> str:
        return self.info["database_url"]

    def replay(self, path: Path):
        return replay(path, self.info["api_url"], self.info["token"])

    def s3(self):
        return boto3.client("s3", endpoint_url=self.info["aws_endpoint_url"], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
