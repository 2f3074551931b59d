"""Lambda GetAccountSettings for moto in server mode, which answers it "Not yet implemented" (moto 5.x).

The deploy's preflight (infra/preflight.py) asks it for the account's concurrency quota. The answer follows
moto's own knob for that quota, the MOTO_LAMBDA_CONCURRENCY_QUOTA environment variable, with which moto's
PutFunctionConcurrency already refuses a reservation that leaves fewer than 100 unreserved (unset: AWS's
default quota, 1000). UnreservedConcurrentExecutions is the quota less what the account's functions reserve,
read through moto's public backend API (list_functions), as moto's own check computes it.
"""
from __future__ import annotations

import json
import os
import re

DEFAULT_QUOTA = 1000
_PATH = re.compile(r"^/2016-08-19/account-settings/?$")
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/lambda/aws4_request")


def account_settings(account_id: str, region: str) -> dict:
    from moto.awslambda.models import lambda_backends

    quota = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA") or DEFAULT_QUOTA)
    functions = lambda_backends[account_id][region].list_functions()
    reserved = sum(int(f.reserved_concurrency or 0) for f in functions)
    return {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                             "CodeSizeZipped": 52428800, "ConcurrentExecutions": quota,
                             "UnreservedConcurrentExecutions": quota - reserved},
            "AccountUsage": {"TotalCodeSize": sum(int(f.code_size or 0) for f in functions),
                             "FunctionCount": len(functions)}}


class LambdaAccountSettings:
    """WSGI middleware: answers GET /2016-08-19/account-settings; passes every other request on."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if environ["REQUEST_METHOD"] != "GET" or not scope or not _PATH.match(environ.get("PATH_INFO", "")):
            return self._app(environ, start_response)
        from moto.core import DEFAULT_ACCOUNT_ID

        body = json.dumps(account_settings(DEFAULT_ACCOUNT_ID, scope.group(1))).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
