"""The local stack as a child process, for scripts and tests: start, wait for `ready`, stop gracefully.

`make demo` and the end-to-end test run the same `python -m infra.local up` a person runs, and stop
it with SIGTERM, which drains exactly like Ctrl-C.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from infra.local.outage import ERROR_PREFIX
from infra.local.state import read_stack_file

READY_LINE = "ready"


class StackProcess:
    def __init__(self, project_dir: Path, state_dir: Path, port: int = 8000, env: dict[str, str] | None = None,
                 log_path: Path | None = None):
        self._cmd = [sys.executable, "-m", "infra.local", "up", "--port", str(port), "--state-dir", str(state_dir)]
        self._project_dir = project_dir
        self._state_dir = state_dir
        self._env = env
        self.log_path = log_path or state_dir / "stack.log"
        self._proc: subprocess.Popen | None = None
        self._log = None
        self._offset = 0

    def start(self, timeout: float = 120.0) -> dict:
        """Start the stack and wait for its `ready` line; stack.json's content."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0  # this run's log only
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open for the child's whole life
        self._proc = subprocess.Popen(self._cmd, cwd=self._project_dir, env=self._env, stdout=self._log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the local stack exited with {self._proc.returncode}:\n{self.tail()}")
            if self._saw_ready(offset):
                return read_stack_file(self._state_dir)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the local stack was not ready after {timeout:.0f} s:\n{self.tail()}")

    @property
    def stopped(self) -> bool:
        return self._proc is None or self._proc.poll() is not None

    def stop(self, timeout: float = 300.0) -> int:
        """SIGTERM (drain, then stop) and wait; the exit code."""
        if self._proc is None:
            return 0
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError(f"the local stack did not stop within {timeout:.0f} s:\n{self.tail()}") from None
        finally:
            self._close_log()

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close_log()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _saw_ready(self, offset: int) -> bool:
        return READY_LINE in self._lines(offset)

    def lines(self) -> list[str]:
        """This run's output lines."""
        return self._lines(self._offset)

    def lines_starting(self, prefix: str) -> list[str]:
        """This run's output lines that start with `prefix` (e.g. "warning:")."""
        return [line for line in self._lines(self._offset) if line.startswith(prefix)]

    def error(self) -> str | None:
        """The stack's first outage line of this run (the emulator cannot be read), without its prefix."""
        found = self.lines_starting(ERROR_PREFIX)
        return found[0].removeprefix(ERROR_PREFIX) if found else None

    def _lines(self, offset: int) -> list[str]:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return [line.decode("utf-8", "replace").strip() for line in log]
        except OSError:
            return []

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
