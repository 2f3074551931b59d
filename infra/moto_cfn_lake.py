"""moto models for the lake's resource types (issue 18): AWS::Glue::Database, AWS::Glue::Table,
AWS::Athena::WorkGroup and AWS::Athena::NamedQuery, which moto's CloudFormation lacks.

Like infra/moto_cfn_models.py, defining these registers them with moto, and only infra/moto_cfn.py imports this
module, on a proven moto release.
"""
from __future__ import annotations

from moto.core.common_models import CloudFormationModel


def _glue(account_id: str, region_name: str):
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region_name]


def _athena(account_id: str, region_name: str):
    from moto.athena.models import athena_backends

    return athena_backends[account_id][region_name]


class _LakeModel:
    """What the four share: a resource known by its name (or id); deleting it is `_delete`. A mixin, because
    moto finds models among CloudFormationModel's direct subclasses only."""

    def __init__(self, physical_id: str, account_id: str, region_name: str, parent: str = ""):
        self.physical_id, self.account_id, self.region_name, self.parent = physical_id, account_id, region_name, parent

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete()

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # moto calls delete() on the model it keeps

    def _delete(self) -> None:
        raise NotImplementedError


class _CfnGlueDatabase(_LakeModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Database"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        database_input = cloudformation_json["Properties"]["DatabaseInput"]
        _glue(account_id, region_name).create_database(database_input["Name"], database_input)
        return cls(database_input["Name"], account_id, region_name)

    def _delete(self) -> None:
        _glue(self.account_id, self.region_name).databases.pop(self.physical_id, None)


class _CfnGlueTable(_LakeModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Glue::Table"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        table_input = props["TableInput"]
        _glue(account_id, region_name).create_table(props["DatabaseName"], table_input["Name"], table_input)
        return cls(table_input["Name"], account_id, region_name, props["DatabaseName"])

    def _delete(self) -> None:
        database = _glue(self.account_id, self.region_name).databases.get(self.parent)
        if database is not None:
            database.tables.pop(self.physical_id, None)


class _CfnAthenaWorkGroup(_LakeModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Athena::WorkGroup"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        _athena(account_id, region_name).create_work_group(
            props["Name"], props.get("WorkGroupConfiguration", {}), props.get("Description", ""), props.get("Tags", []))
        return cls(props["Name"], account_id, region_name)

    def _delete(self) -> None:
        _athena(self.account_id, self.region_name).delete_work_group(self.physical_id)


class _CfnAthenaNamedQuery(_LakeModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Athena::NamedQuery"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        query_id = _athena(account_id, region_name).create_named_query(
            props["Name"], props.get("Description", ""), props["Database"], props["QueryString"],
            props.get("WorkGroup", "primary"))
        return cls(query_id, account_id, region_name)

    def _delete(self) -> None:
        _athena(self.account_id, self.region_name).named_queries.pop(self.physical_id, None)

