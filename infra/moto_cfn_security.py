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

All of it reaches into moto's internals (there is no public way to add a resource type), so it is registered
only on the moto releases in PROVEN_ON (infra/version_guard.py); the classes live in
infra/moto_cfn_security_models.py, imported only then. The same check switches on the Lambda
GetAccountSettings answer (infra/moto_lambda_account.py), which reads moto's Lambda backend.

The others the template adds are skipped by moto with a warning, and checked by cfn-lint and checkov instead:
AWS::Budgets::Budget, AWS::WAFv2::LoggingConfiguration, AWS::SecretsManager::ResourcePolicy,
AWS::SNS::TopicPolicy. (AWS::KMS::Alias has a moto model that works.)
"""
from __future__ import annotations

from infra.version_guard import is_proven, warn

PATCH_NAME = "the hardening's CloudFormation models for the deploy rehearsal (infra/moto_cfn_security.py)"
PROVEN_ON = ("5.2.6",)


def register_security_models(found_version: str | None = None, say=warn) -> bool:
    """Register the models above on a proven moto; True when registered. On another release the rehearsal
    runs on stock moto after one warning line, and fails where moto lacks a type or an API."""
    if not is_proven(PATCH_NAME, PROVEN_ON, found_version, say):
        return False
    from moto.cloudformation import parsing

    from infra import moto_cfn_security_models  # noqa: F401 - defining its classes registers them with moto

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # pick up the models (defined after moto's, they win in its type map)
    return True
