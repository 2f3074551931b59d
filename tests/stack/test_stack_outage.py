"""A broken emulator is loud: once a pump has failed to read it for 10 s, `make up` prints one error line with the
cause, and `make demo` stops at once with that cause and a non-zero exit instead of waiting for rows."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.local.outage import OUTAGE_SECONDS, ReadWatch
from infra.local.process import StackProcess
from tests.support import local_stack
from tests.support.local_stack import free_port
from tests.support.postgres import server_scratch_database

PROJECT_DIR = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def person_env():
    """A person's environment (not the unit tests' stage), on a scratch database when the machine has a server."""
    with server_scratch_database("outage") as dsn:
        yield local_stack.person_env(dsn)


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
    stack = StackProcess(PROJECT_DIR, tmp_path, free_port(), env=person_env)
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
    cmd = [sys.executable, "-m", "infra.local", "demo", "--rows", "3000", "--port", str(free_port()),
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
