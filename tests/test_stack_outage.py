"""A broken emulator is loud: once a pump has failed to read it for 10 s, `make up` prints one error line with the
cause, and `make demo` stops at once with that cause and a non-zero exit instead of waiting for rows."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from infra.local.outage import OUTAGE_SECONDS, ReadWatch
from infra.local.process import StackProcess
from tests.conftest import TEST_ENV

PROJECT_DIR = Path(__file__).resolve().parents[1]
SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reads_failing_for_less_than_the_limit_are_no_outage():
    clock = FakeClock()
    watch = ReadWatch("reading stream s", limit_seconds=10, clock=clock)
    watch.failed(ConnectionError("refused"))
    clock.now += 9.9
    assert watch.outage is None


def test_reads_failing_for_the_limit_are_an_outage_that_names_what_and_why():
    clock = FakeClock()
    watch = ReadWatch("reading stream s", limit_seconds=10, clock=clock)
    watch.failed(ConnectionError("refused"))
    clock.now += 10
    watch.failed(TimeoutError("no answer"))
    assert watch.outage == "reading stream s has failed for 10 s: TimeoutError: no answer"


def test_one_good_read_ends_the_outage():
    clock = FakeClock()
    watch = ReadWatch("reading stream s", limit_seconds=10, clock=clock)
    watch.failed(ConnectionError("refused"))
    clock.now += 30
    watch.succeeded()
    assert watch.outage is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def person_env():
    """A person's environment (not the unit tests' stage), on a scratch database when the machine has a server."""
    env = {k: v for k, v in os.environ.items() if k not in TEST_ENV and k != "DATABASE_URL"}
    try:
        admin = psycopg2.connect(SERVER_URL, connect_timeout=2)
    except psycopg2.OperationalError:
        yield env  # the stack embeds its own server
        return
    admin.autocommit = True
    name = f"outage_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    yield {**env, "DATABASE_URL": SERVER_URL.rsplit("/", 1)[0] + f"/{name}"}
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


@pytest.mark.e2e
def test_make_up_prints_one_error_line_with_the_cause_when_the_emulator_dies(tmp_path, person_env):
    stack = StackProcess(PROJECT_DIR, tmp_path, _free_port(), env=person_env)
    info = stack.start()
    try:
        os.kill(info["emulator_pid"], signal.SIGKILL)
        killed = time.monotonic()
        cause = _wait_for(stack.error, OUTAGE_SECONDS + 20)
        assert cause, stack.tail()
        assert time.monotonic() - killed >= OUTAGE_SECONDS
        assert "from the emulator has failed for 10 s" in cause and "EndpointConnectionError" in cause
        time.sleep(3)
        assert len(stack.lines_starting("error: ")) == 1  # said once, not once per poll
    finally:
        started_stop = time.monotonic()
        code = stack.stop(timeout=120)
    assert code == 1  # the drain could not finish, and says so
    assert time.monotonic() - started_stop < 60  # no waiting out the drain timeout on a dead emulator


@pytest.mark.e2e
def test_make_demo_stops_at_once_with_the_cause_and_a_non_zero_exit(tmp_path, person_env):
    cmd = [sys.executable, "-m", "infra.local", "demo", "--rows", "3000", "--port", str(_free_port()),
           "--state-dir", str(tmp_path)]
    demo = subprocess.Popen(cmd, cwd=PROJECT_DIR, env=person_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        stack_file = tmp_path / "stack.json"
        assert _wait_for(stack_file.exists, 120), "the demo's stack did not start"
        os.kill(json.loads(stack_file.read_text())["emulator_pid"], signal.SIGKILL)
        killed = time.monotonic()
        output, _ = demo.communicate(timeout=OUTAGE_SECONDS + 60)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode == 2, output
    assert time.monotonic() - killed < OUTAGE_SECONDS + 30, output
    assert "error: the local emulator cannot be read, so no accepted row can load" in output
    assert "EndpointConnectionError" in output
    assert "== cardstream demo: summary ==" not in output
