"""The CloudFormation models of infra/moto_cfn_security.py (its docstring says what each fixes). Importing this
module defines them, after moto's CloudFormation parser and so moto's own models: moto's type map takes the
last class defined for a type, so these replace moto's AWS::KMS::Key and AWS::RDS::DBInstance. Imported only
once infra/moto_cfn_security.py's version check passed."""
from __future__ import annotations

import json
from typing import Any

from moto.cloudformation import parsing  # noqa: F401 - loads moto's own models first
from moto.core.common_models import CloudFormationModel
from moto.kms.models import Key
from moto.rds.models import DBInstance, rds_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.wafv2.models import wafv2_backends


class _CfnWebAcl(CloudFormationModel):
    """AWS::WAFv2::WebACL for moto's CloudFormation."""

    def __init__(self, acl: Any, scope: str):
        self.acl, self.scope = acl, scope

    @property
    def physical_resource_id(self) -> str:
        return f"{self.acl.name}|{self.acl.id}|{self.scope}"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::WAFv2::WebACL"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "Id")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.acl.arn if attribute_name == "Arn" else self.acl.id

    def delete(self, account_id: str, region_name: str) -> None:
        backend = wafv2_backends[account_id][region_name]
        backend.delete_web_acl(self.acl.name, self.scope, self.acl.id, self.acl.lock_token)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        acl = wafv2_backends[account_id][region_name].create_web_acl(
            name=props.get("Name", resource_name), visibility_config=props["VisibilityConfig"],
            default_action=props["DefaultAction"], scope=props["Scope"], description=props.get("Description", ""),
            tags=props.get("Tags", []), rules=props.get("Rules", []), association_config=None, captcha_config=None,
            challenge_config=None, custom_response_bodies=None, token_domains=None)
        return cls(acl, props["Scope"])


class _CfnKmsKey(CloudFormationModel):
    """AWS::KMS::Key: moto's model, given the tags and key policy in the form its backend takes."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::KMS::Key"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return Key.has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = dict(cloudformation_json["Properties"])
        props["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags", [])]
        if not isinstance(props.get("KeyPolicy"), str):
            props["KeyPolicy"] = json.dumps(props.get("KeyPolicy", {}))
        return Key.create_from_cloudformation_json(resource_name, {**cloudformation_json, "Properties": props},
                                                   account_id, region_name, **kwargs)


class _InstanceWithManagedSecret:
    """moto's DBInstance, plus the GetAtt CloudFormation gives an instance whose master secret RDS manages."""

    def __init__(self, db: Any):
        self.db = db

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "MasterUserSecret.SecretArn":
            return self.db.master_user_secret.secret_arn
        return self.db.get_cfn_attribute(attribute_name)


class _CfnDbInstance(CloudFormationModel):
    """AWS::RDS::DBInstance: moto's model, and ManageMasterUserPassword as RDS does it."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "DBInstanceIdentifier"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::RDS::DBInstance"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "MasterUserSecret.SecretArn" or DBInstance.has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name,
                                        **kwargs):
        props = dict(cloudformation_json["Properties"])
        managed = str(props.pop("ManageMasterUserPassword", "false")).lower() == "true"
        db = DBInstance.create_from_cloudformation_json(
            resource_name, {**cloudformation_json, "Properties": props}, account_id, region_name, **kwargs)
        if not managed:
            return db
        db = rds_backends[account_id][region_name].modify_db_instance(
            db.db_instance_identifier, {"manage_master_user_password": True})
        secrets = secretsmanager_backends[account_id][region_name]
        arn = db.master_user_secret.secret_arn
        login = json.loads(secrets.get_secret_value(arn, None, None)["SecretString"])
        login["username"] = props.get("MasterUsername") or login["username"]
        secrets.put_secret_value(arn, json.dumps(login), None, None, ["AWSCURRENT"])
        return _InstanceWithManagedSecret(db)
