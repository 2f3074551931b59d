"""moto 5.x in server mode, patched where it differs from AWS, so `make deploy` can be rehearsed offline.

Each fix makes moto accept what AWS accepts; none makes a broken deploy pass:
- S3 PutBucketNotificationConfiguration: AWS takes the filter-rule names `Prefix`/`Suffix` in any case and
  chalice sends `Prefix`; moto asserts lowercase. The request body is normalized on the wire.
- API Gateway ImportRestApi/PutRestApi: chalice sends Swagger 2.0 (which AWS imports); moto only reads
  OpenAPI 3 and needs `info.description`. The body is relabelled; moto reads the same paths and integrations
  (it ignores the authorizer, so `chalice package` output is where the tests check the authorizer).
- CloudFormation: the resource types moto lacks or gets wrong are fixed in infra/moto_cfn.py, and the
  hardening's in infra/moto_cfn_security.py.
- Lambda GetAccountSettings (the deploy's concurrency preflight) is answered by infra/moto_lambda_account.py.
"""
from __future__ import annotations

import io
import json
import re
from urllib.parse import parse_qs

from infra.moto_cfn import register_cloudformation_fixes
from infra.moto_cfn_security import register_security_models
from infra.moto_lambda_account import LambdaAccountSettings
from infra.moto_server import make_moto_server, moto_app

_SERVICE_IN_AUTH = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_FILTER_RULE_NAME = re.compile(rb"<Name>(Prefix|Suffix)</Name>")

def _service(environ: dict) -> str:
    match = _SERVICE_IN_AUTH.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else ""


def _lowercase_filter_rules(body: bytes) -> bytes:
    return _FILTER_RULE_NAME.sub(lambda m: b"<Name>" + m.group(1).lower() + b"</Name>", body)


def _swagger_as_openapi(body: bytes) -> bytes:
    doc = json.loads(body)
    if doc.pop("swagger", None) is not None:
        doc["openapi"] = "3.0.1"
    doc.setdefault("info", {}).setdefault("description", doc["info"].get("title", ""))
    return json.dumps(doc).encode()


def _rewrite(environ: dict, body: bytes) -> bytes:
    service, method, path = _service(environ), environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if service == "s3" and method == "PUT" and "notification" in query:
        return _lowercase_filter_rules(body)
    if service == "apigateway" and path.startswith("/restapis") and body.lstrip().startswith(b"{"):
        is_import = method == "POST" and query.get("mode") == ["import"]
        is_put = method == "PUT" and path.count("/") == 2
        if is_import or is_put:
            return _swagger_as_openapi(body)
    return body


class NormalizingApp:
    """WSGI middleware in front of moto: rewrites the two request bodies above, passes everything else."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            new_body = _rewrite(environ, body)
            environ["wsgi.input"] = io.BytesIO(new_body)
            environ["CONTENT_LENGTH"] = str(len(new_body))
        return self._app(environ, start_response)


class RehearsalServer:
    """moto's server app behind NormalizingApp, in a thread of this process, on 127.0.0.1 only."""

    def __init__(self):
        import threading

        register_cloudformation_fixes()
        app = NormalizingApp(moto_app())
        if register_security_models():
            app = LambdaAccountSettings(app)
        self._server = make_moto_server(app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RehearsalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
