"""CloudFormation models for the hardening resources moto 5.x has no model for, registered for the rehearsal.

- AWS::WAFv2::WebACL: created in moto's WAFv2 backend (its public create_web_acl), so `!GetAtt ApiWebAcl.Arn`
  gives a real ARN and the deploy's association with the API stage can be checked through the WAFv2 API.
  `!Ref` gives `name|id|scope`, as in AWS.

- AWS::KMS::Key: moto's model hands the template's tags (`Key`/`Value`, as CloudFormation writes them) to its
  tagger, which wants `TagKey`/`TagValue`, and fails the stack. This adapter renames the tag fields, sends the
  key policy as JSON text (as the KMS API takes it), and then creates the key with moto's own model.

- AWS::RDS::DBInstance with ManageMasterUserPassword: moto's model ignores the property and has no
  `MasterUserSecret.SecretArn` attribute. This adapter creates the instance with moto's model, turns the
  managed secret on through moto's public modify_db_instance, writes the template's MasterUsername into that
  secret (moto's says "admin"), and answers the attribute.

The others the template adds are skipped by moto with a warning, and checked by cfn-lint and checkov instead:
AWS::Budgets::Budget, AWS::WAFv2::LoggingConfiguration, AWS::SecretsManager::ResourcePolicy,
AWS::SNS::TopicPolicy. (AWS::KMS::Alias has a moto model that works.)
"""
from __future__ import annotations

import functools
from typing import Any

from moto.core.common_models import CloudFormationModel


def _wafv2(account_id: str, region_name: str):
    from moto.wafv2.models import wafv2_backends

    return wafv2_backends[account_id][region_name]


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
        _wafv2(account_id, region_name).delete_web_acl(self.acl.name, self.scope, self.acl.id, self.acl.lock_token)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        acl = _wafv2(account_id, region_name).create_web_acl(
            name=props.get("Name", resource_name), visibility_config=props["VisibilityConfig"],
            default_action=props["DefaultAction"], scope=props["Scope"], description=props.get("Description", ""),
            tags=props.get("Tags", []), rules=props.get("Rules", []), association_config=None, captcha_config=None,
            challenge_config=None, custom_response_bodies=None, token_domains=None)
        return cls(acl, props["Scope"])


@functools.cache
def _kms_key_model() -> type[CloudFormationModel]:
    """Defined on first call, after moto's CloudFormation parser has imported moto's own KMS model: the type map
    takes the last class defined for a type, so this one replaces moto's."""
    import json

    from moto.kms.models import Key

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

    return _CfnKmsKey


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


@functools.cache
def _db_instance_model() -> type[CloudFormationModel]:
    """Defined on first call, after moto's own RDS model, which it then replaces in the type map."""
    import json

    from moto.rds.models import DBInstance, rds_backends
    from moto.secretsmanager.models import secretsmanager_backends

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

    return _CfnDbInstance


def register_security_models() -> None:
    from moto.cloudformation import parsing

    _kms_key_model()
    _db_instance_model()
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # pick up the models above (defined after moto's, they win in its type map)
