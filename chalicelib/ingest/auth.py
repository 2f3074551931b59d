"""Bearer-token authorization against named tokens held in one Secrets Manager secret.

The secret maps a name to a token (`{"merchant-a": "…", "merchant-a-next": "…"}`), so a token is
rotated by adding the new one, moving clients, then removing the old: no downtime. The principal is
the token's name, never the token.

A token may be limited to scopes: `{"dashboard": {"token": "…", "scopes": ["read"]}}`. `ingest` covers the
POST routes, `read` the GET routes; a plain string token has both. The authorizer's policy lists exactly
the routes the scopes allow, because API Gateway caches it per token and reuses it for other routes.
"""
from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_TOKEN_CHARS = 16
MAX_HEADER_CHARS = 4096
SCOPE_OF_METHOD = {"POST": "ingest", "GET": "read"}
ALL_SCOPES = frozenset(SCOPE_OF_METHOD.values())
_PATH_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Grant:
    principal: str  # the token's name
    scopes: frozenset[str]


def parse_bearer(header: str | None) -> str | None:
    """The token from `Bearer <token>` (scheme case-insensitive, outer whitespace ignored), else None."""
    if not header or len(header) > MAX_HEADER_CHARS:
        return None
    parts = header.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    token = parts[1].strip()
    return token if token and " " not in token else None


def find_grant(header: str | None, tokens: Mapping[str, Any]) -> Grant | None:
    """The name and scopes of the token the header carries, or None. Constant-time over every stored token."""
    token = parse_bearer(header)
    if token is None:
        return None
    presented = token.encode("utf-8", "surrogateescape")
    found = None
    for name, entry in tokens.items():
        expected, scopes = _token_and_scopes(entry)
        if expected is None or len(expected) < MIN_TOKEN_CHARS:
            continue  # a blank, short or malformed entry in the secret must never match
        # Compare against every token, without an early exit, so timing says nothing about which matched.
        if hmac.compare_digest(presented, expected.encode("utf-8")):
            found = Grant(name, scopes)
    return found


def allowed_routes(scopes: frozenset[str], routes: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """(policy path, methods) for every authorized route of a Chalice route table that `scopes` allow.

    A policy names concrete paths, so a path parameter becomes a wildcard: /transactions/{trans_num} is
    /transactions/*. Methods outside SCOPE_OF_METHOD belong to no scope, so no token reaches them."""
    allowed = []
    for path in sorted(routes):
        methods = sorted(m for m, entry in routes[path].items()
                         if entry.authorizer is not None and SCOPE_OF_METHOD.get(m) in scopes)
        if methods:
            allowed.append((_PATH_PARAM.sub("*", path), methods))
    return allowed


def _token_and_scopes(entry: Any) -> tuple[str | None, frozenset[str]]:
    if isinstance(entry, str):
        return entry, ALL_SCOPES
    if isinstance(entry, Mapping) and isinstance(entry.get("token"), str) and isinstance(entry.get("scopes"), list):
        return entry["token"], ALL_SCOPES & {s for s in entry["scopes"] if isinstance(s, str)}  # unknown: ignored
    return None, frozenset()
