"""Child processes of the stack (the emulator, the API): in their own session, tied to the stack's life.

Their own session keeps a Ctrl-C typed at the terminal away from them, so the stack decides the order
in which they stop (the drain needs the emulator after the API is gone). If the stack dies without
stopping them, the kernel sends them SIGTERM (Linux; elsewhere they outlive a crashed stack).
"""
from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1


_SAME_AS_STDOUT = object()


def spawn(cmd: list[str], cwd=None, env: dict[str, str] | None = None, stdout=None,
          stderr=_SAME_AS_STDOUT) -> subprocess.Popen:
    """`stderr` defaults to wherever stdout goes (ours when stdout is not given)."""
    if stderr is _SAME_AS_STDOUT:
        stderr = subprocess.STDOUT if stdout else None
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout, stderr=stderr,
                            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)


def stop(proc: subprocess.Popen | None, timeout: float = 10.0, how: signal.Signals = signal.SIGTERM) -> None:
    """`how` (SIGTERM), then SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(how)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _die_with_parent() -> None:
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def run_module(project_dir, module: str, *args: str) -> int:
    """`python -m module args` in the project folder, in the foreground: its output goes to ours (flushed
    first, so the lines stay in order), and its exit status is returned."""
    sys.stdout.flush()
    return subprocess.run([sys.executable, "-m", module, *args], cwd=project_dir).returncode
