"""Bearer-token authorization against named tokens held in one Secrets Manager secret.

The secret maps a name to a token (`{"merchant-a": "…", "merchant-a-next": "…"}`), so a token is
rotated by adding the new one, moving clients, then removing the old: no downtime. The principal is
the token's name, never the token.
"""
from __future__ import annotations

import hmac

MIN_TOKEN_CHARS = 16
MAX_HEADER_CHARS = 4096


def parse_bearer(header: str | None) -> str | None:
    """The token from `Bearer <token>` (scheme case-insensitive, outer whitespace ignored), else None."""
    if not header or len(header) > MAX_HEADER_CHARS:
        return None
    parts = header.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    token = parts[1].strip()
    return token if token and " " not in token else None


def find_principal(header: str | None, tokens: dict) -> str | None:
    """The name of the token the header carries, or None. Constant-time over every stored token."""
    token = parse_bearer(header)
    if token is None:
        return None
    presented = token.encode("utf-8", "surrogateescape")
    found = None
    for name, expected in tokens.items():
        if not isinstance(expected, str) or len(expected) < MIN_TOKEN_CHARS:
            continue  # a blank or short token in the secret must never match
        # Compare against every token, without an early exit, so timing says nothing about which matched.
        if hmac.compare_digest(presented, expected.encode("utf-8")):
            found = name
    return found
