"""The API: `chalice local --stage local` in a child process, with the real authorizer.

The child runs in its own session (children.py), so a Ctrl-C typed at the terminal reaches only the
stack, which stops the API first and then drains.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from infra.local import children
from infra.local.metrics_tally import copy_lines

WARM_UP_BODY = b'{"transactions": [{}]}'
WARM_UP_REJECTED = {"RecordsRejected": 1}  # what the warm-up adds to the metrics: its one item, refused


class ApiServer:
    def __init__(self, project_dir: Path, env: dict[str, str], host: str = "127.0.0.1", port: int = 8000,
                 stage: str = "local", output=None):
        """`output`: a text stream the child's output is copied to, line by line (default: it writes to ours)."""
        self.url = f"http://{host}:{port}"
        self._host, self._port = host, port
        # chalice's own CLI, run with this interpreter (its console script may not be on PATH).
        self._cmd = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())",
                     "local", "--stage", stage, "--host", host, "--port", str(port), "--no-autoreload"]
        self._project_dir = project_dir
        self._env = env
        self._output = output
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        _check_port_free(self._host, self._port)
        # With a sink, the child's lines pass through this process (the stack counts its metrics on the way).
        stdout = subprocess.PIPE if self._output is not None else None
        env = {**self._env, "PYTHONUNBUFFERED": "1"}  # each line as it is printed, not when a buffer fills
        self._proc = children.spawn(self._cmd, cwd=self._project_dir, env=env, stdout=stdout)
        if self._output is not None:
            copy_lines(self._proc.stdout, self._output)

    def wait_ready(self, token: str, timeout: float = 60.0) -> None:
        """Block until GET /health answers 200 and an authorized request reaches the app; raise if the
        child exits or the time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"chalice local exited with code {self._proc.returncode}")
            if _status(self.url + "/health") == 200:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the API at {self.url} was not ready after {timeout:.0f} s")
        # One item that fails validation: the authorizer reads the token secret and the ingest path builds
        # its clients (the cold start), and nothing reaches the stream. 400 proves the token is accepted.
        status = _status(self.url + "/transactions", WARM_UP_BODY, token)
        if status != 400:
            raise RuntimeError(f"the API answered {status} to an authorized warm-up request (expected 400)")

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self) -> None:
        """Stop accepting requests."""
        children.stop(self._proc)


def _check_port_free(host: str, port: int) -> None:
    # Otherwise another server already on the port (a second `make up`?) would answer the health check.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: TIME_WAIT is no conflict
        try:
            sock.bind((host, port))
        except OSError:
            raise RuntimeError(f"port {port} on {host} is in use (another local stack?); "
                               f"choose another one: PORT=... make up / --port ...") from None


def _status(url: str, body: bytes | None = None, token: str = "") -> int:
    """The HTTP status of a GET (or, with a body, an authorized JSON POST); 0 when nothing answers."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"} if body else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0
