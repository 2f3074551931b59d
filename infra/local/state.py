"""The state folder (`.local/` by default): what must survive a restart of the local stack.

moto keeps AWS state in memory only, so the few values that must stay stable across restarts (the demo
API token, the card-token key, so one card keeps one token) live here, readable by the owner only.
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

SECRETS_FILE = "secrets.json"
STACK_FILE = "stack.json"
DRAIN_FILE = "drain.json"  # what the last stop delivered: scripts read it once the stack has exited
TOKEN_NAME = "local-demo"


@dataclass(frozen=True)
class LocalSecrets:
    api_token: str
    card_key_hex: str

    def __repr__(self) -> str:  # never show a secret by accident
        return "LocalSecrets(<hidden>)"


def prepare_state_dir(path: str | Path) -> Path:
    """The state folder, created if missing (owner-only: it holds the demo token and the card key)."""
    state = Path(path).resolve()
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    return state


def load_or_create_secrets(state: Path) -> LocalSecrets:
    """The demo token and card-token key of this state folder: generated once, then reused."""
    path = state / SECRETS_FILE
    if path.exists():
        stored = json.loads(path.read_text())
        return LocalSecrets(stored["api_token"], stored["card_key_hex"])
    created = LocalSecrets(api_token="demo-" + secrets.token_urlsafe(32), card_key_hex=secrets.token_hex(32))
    _write_private(path, {"api_token": created.api_token, "card_key_hex": created.card_key_hex})
    return created


def write_stack_file(state: Path, info: dict) -> Path:
    """`stack.json` for scripts: api_url, token, database_url (plus the emulator's endpoint)."""
    path = state / STACK_FILE
    _write_private(path, info)
    return path


def read_stack_file(state: str | Path) -> dict:
    return json.loads((Path(state) / STACK_FILE).read_text())


def remove_stack_file(state: Path) -> None:
    """Forget the running stack's address once it is stopped, so scripts don't talk to a dead port."""
    (state / STACK_FILE).unlink(missing_ok=True)


def write_drain_file(state: Path, report: dict) -> None:
    _write_private(state / DRAIN_FILE, report)


def read_drain_file(state: str | Path) -> dict | None:
    """The last stop's report, or None when the last run did not get to write one (it crashed)."""
    path = Path(state) / DRAIN_FILE
    return json.loads(path.read_text()) if path.exists() else None


def remove_drain_file(state: Path) -> None:
    (state / DRAIN_FILE).unlink(missing_ok=True)


def _write_private(path: Path, value: dict) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(value, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)
