"""Structured JSON log lines on stdout (CloudWatch in Lambda). Callers pass only counts, names and ids:
never a PAN, a token or a payload."""
from __future__ import annotations

import json
import sys


def log_event(event: str, **fields) -> None:
    """One JSON line: {"event": ..., **fields}."""
    # sys.stdout is looked up per call so a replaced stream (pytest capture, a local stack's pipe) is honoured.
    sys.stdout.write(json.dumps({"event": event, **fields}, default=str, separators=(",", ":")) + "\n")
