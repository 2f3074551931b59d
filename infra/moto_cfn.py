"""CloudFormation resource types moto 5.x lacks or gets wrong, registered for the deploy rehearsal.

- AWS::SecretsManager::Secret (with GenerateSecretString) and AWS::SecretsManager::SecretTargetAttachment
  have no moto model. The attachment writes the rehearsal's stand-in database (a real local PostgreSQL,
  DATABASE_STAND_IN) into the secret, as CloudFormation writes the RDS endpoint, so migrations run through
  the loader's real connection path.
- `!Ref` to a DB parameter group gives moto's object instead of the group's name.
- A stack's route table is never deleted, so the VPC cannot be deleted with the stack.
- The lake's AWS::Glue::Database, ::Glue::Table, AWS::Athena::WorkGroup and ::NamedQuery have no moto model
  (infra/moto_cfn_lake.py).
- AWS::CloudWatch::Alarm has no moto model either (infra/moto_cfn_alarm.py).

All of it reaches into moto's internals (there is no public way to add a resource type), so it is applied
only on the moto releases in PROVEN_ON (infra/version_guard.py).
"""
from __future__ import annotations

from typing import Any

from infra.version_guard import is_proven, warn

# Where the rehearsal's database really is: set by the harness before the stack is created.
DATABASE_STAND_IN: dict[str, Any] = {}


PATCH_NAME = "the CloudFormation fixes for the deploy rehearsal (infra/moto_cfn.py)"
PROVEN_ON = ("5.2.5", "5.2.6")


def register_cloudformation_fixes(found_version: str | None = None, say=warn) -> bool:
    """Register the models (and infra/moto_cfn_alarm.py's) and the two fixes above on a proven moto; True when
    registered. On another release the rehearsal runs on stock moto, after one warning line, and fails where
    moto lacks a type."""
    if not is_proven(PATCH_NAME, PROVEN_ON, found_version, say):
        return False
    from moto.cloudformation import parsing
    from moto.ec2.models.route_tables import RouteTable
    from moto.rds.models import DBParameterGroup

    from infra import (  # noqa: F401 - defining their classes registers them with moto
        moto_cfn_alarm,
        moto_cfn_lake,
        moto_cfn_models,
    )

    DBParameterGroup.physical_resource_id = property(lambda self: self.name)  # `!Ref` gives the name, as in AWS
    RouteTable.delete = lambda self, account_id, region_name: self.ec2_backend.delete_route_table(self.id)
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()  # pick up the models above
    return True
