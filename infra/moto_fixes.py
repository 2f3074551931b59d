"""moto 5.x in server mode, patched where it differs from AWS, so `make deploy` can be rehearsed offline.

Each fix makes moto accept what AWS accepts; none makes a broken deploy pass:
- S3 PutBucketNotificationConfiguration: AWS takes the filter-rule names `Prefix`/`Suffix` in any case and
  chalice sends `Prefix`; moto asserts lowercase. The request body is normalized on the wire.
- API Gateway ImportRestApi/PutRestApi: chalice sends Swagger 2.0 (which AWS imports); moto only reads
  OpenAPI 3 and needs `info.description`. The body is relabelled; moto reads the same paths and integrations
  (it ignores the authorizer, so `chalice package` output is where the tests check the authorizer).
- CloudFormation: moto has no AWS::SecretsManager::Secret / SecretTargetAttachment models, returns the
  object instead of the name for `!Ref` to a DB parameter group, and never deletes a stack's route table
  (so the VPC cannot be deleted). All three are added here. The attachment writes the
  rehearsal's stand-in database (a real local PostgreSQL) into the secret, as CloudFormation writes the RDS
  endpoint, so migrations run through the loader's real connection path.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qs

from moto.core.common_models import CloudFormationModel
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

_SERVICE_IN_AUTH = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_FILTER_RULE_NAME = re.compile(rb"<Name>(Prefix|Suffix)</Name>")

# Where the rehearsal's database really is: set by the harness before the stack is created.
DATABASE_STAND_IN: dict[str, Any] = {}


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


class _CfnSecret(CloudFormationModel):
    """AWS::SecretsManager::Secret, with GenerateSecretString, for moto's CloudFormation."""

    def __init__(self, arn: str):
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.secretsmanager.models import secretsmanager_backends

        secretsmanager_backends[account_id][region_name].delete_secret(
            self.arn, recovery_window_in_days=None, force_delete_without_recovery=True)

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.secretsmanager.models import secretsmanager_backends

        backend = secretsmanager_backends[account_id][region_name]
        props = cloudformation_json.get("Properties", {})
        secret_string = props.get("SecretString") or _generated(backend, props.get("GenerateSecretString", {}))
        created = backend.create_secret(
            name=props.get("Name", resource_name), secret_string=secret_string, secret_binary=None,
            description=props.get("Description"), tags=props.get("Tags"), kms_key_id=props.get("KmsKeyId"),
            client_request_token=None, replica_regions=[], force_overwrite=False)
        return cls(json.loads(created)["ARN"])


def _generated(backend, spec: dict) -> str:
    value = backend.get_random_password(
        password_length=int(spec.get("PasswordLength", 32)), exclude_characters=spec.get("ExcludeCharacters", ""),
        exclude_numbers=bool(spec.get("ExcludeNumbers")), exclude_punctuation=bool(spec.get("ExcludePunctuation")),
        exclude_uppercase=bool(spec.get("ExcludeUppercase")), exclude_lowercase=bool(spec.get("ExcludeLowercase")),
        include_space=bool(spec.get("IncludeSpace")), require_each_included_type=False)
    password = json.loads(value)["RandomPassword"]
    if "GenerateStringKey" not in spec:
        return password
    doc = json.loads(spec.get("SecretStringTemplate", "{}"))
    doc[spec["GenerateStringKey"]] = password
    return json.dumps(doc)


class _CfnSecretTargetAttachment(CloudFormationModel):
    """AWS::SecretsManager::SecretTargetAttachment: adds the database's endpoint to the secret."""

    def __init__(self, secret_id: str):
        self.secret_id = secret_id

    @property
    def physical_resource_id(self) -> str:
        return self.secret_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.rds.models import rds_backends
        from moto.secretsmanager.models import secretsmanager_backends

        props = cloudformation_json["Properties"]
        secrets = secretsmanager_backends[account_id][region_name]
        instance_id = props["TargetId"]
        db = rds_backends[account_id][region_name].describe_db_instances(instance_id)[0]
        doc = json.loads(secrets.get_secret_value(props["SecretId"], None, None)["SecretString"])
        doc.update({"engine": db.engine, "host": db.address, "port": db.port, "dbInstanceIdentifier": instance_id})
        doc.update(DATABASE_STAND_IN)
        secrets.put_secret_value(props["SecretId"], json.dumps(doc), None, None, ["AWSCURRENT"])
        return cls(props["SecretId"])


def register_cloudformation_fixes() -> None:
    from moto.cloudformation import parsing
    from moto.ec2.models.route_tables import RouteTable
    from moto.rds.models import DBParameterGroup

    DBParameterGroup.physical_resource_id = property(lambda self: self.name)  # `!Ref` gives the name, as in AWS
    RouteTable.delete = lambda self, account_id, region_name: self.ec2_backend.delete_route_table(self.id)
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # pick up the two models above


class RehearsalServer:
    """moto's server app behind NormalizingApp, in a thread of this process, on 127.0.0.1 only."""

    def __init__(self):
        import threading

        register_cloudformation_fixes()
        app = NormalizingApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
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
