"""moto models for AWS::SecretsManager::Secret and ::SecretTargetAttachment (see infra/moto_cfn.py).

moto finds CloudFormation models among CloudFormationModel's subclasses, so defining these registers them:
only infra/moto_cfn.py imports this module, and only on a proven moto release.
"""
from __future__ import annotations

import json

from moto.core.common_models import CloudFormationModel

from infra.moto_cfn import DATABASE_STAND_IN


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
