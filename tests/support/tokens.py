"""Scoped API tokens (ingest only, read only, broken entries) and the requests the hardening tests send."""
import json

from tests.support.env import API_TOKENS
from tests.support.factories import make_transaction

FULL = API_TOKENS["merchant-a"]
INGEST_ONLY = "ingest-" + "i" * 40
READ_ONLY = "read-" + "r" * 40
SCOPED_TOKENS = {**API_TOKENS,
                 "pos-terminal": {"token": INGEST_ONLY, "scopes": ["ingest"]},
                 "dashboard": {"token": READ_ONLY, "scopes": ["read"]},
                 "typo": {"token": "typo-" + "t" * 40, "scopes": ["admin", "READ"]},  # no known scope
                 "no-list": {"token": "nolist-" + "n" * 40, "scopes": "ingest"}}  # malformed: never matches
INTERNALS = ("Traceback", "File \"", "psycopg2", "botocore", "chalicelib", ".py", "postgresql://", "Exception")


def requests_for(token: str) -> list[tuple[str, str, dict, str]]:
    auth = {"Authorization": f"Bearer {token}"}
    json_type = {"Content-Type": "application/json"}
    return [
        ("POST", "/transactions", {**auth, **json_type}, json.dumps(make_transaction())),
        ("POST", "/transactions", {**auth, **json_type}, json.dumps(make_transaction(amt="x"))),
        ("POST", "/transactions", {**auth, **json_type}, "{not json"),
        ("POST", "/transactions", {**auth, "Content-Type": "text/csv"}, "a,b"),
        ("POST", "/transactions", {**auth, **json_type}, json.dumps({"transactions": [make_transaction()] * 501})),
        ("POST", "/transactions", {**auth, **json_type}, json.dumps({"transactions": [], "x": token})),
        ("GET", "/transactions/bad.id", auth, ""),
        ("GET", "/transactions/t0001", auth, ""),
        ("GET", "/alerts?limit=0", auth, ""),
        ("GET", f"/alerts?since={token}", auth, ""),
        ("GET", "/health", auth, ""),
        ("POST", "/transactions", {"Authorization": f"Basic {token}", **json_type}, "{}"),
        ("POST", "/transactions", {"Authorization": token, **json_type}, "{}"),
        ("POST", "/transactions", {"Authorization": f"Bearer {token}x", **json_type}, "{}"),
    ]
