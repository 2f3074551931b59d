"""The stage's CloudFormation stack (infra/cloudformation.yaml): deploy or update it, read its outputs, delete it.

The template is sent as JSON. Its YAML uses the short intrinsic tags (`!Sub`, `!GetAtt`, ...), which this
module expands the way CloudFormation does, so every consumer (CloudFormation, moto, the tests) reads the
same structure.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

TEMPLATE_PATH = Path(__file__).with_name("cloudformation.yaml")
NO_UPDATES = "No updates are to be performed"


def stack_name(stage: str) -> str:
    return f"cardstream-{stage}"


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags (`!Ref x` -> `{"Ref": "x"}`)."""


def _construct_intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)  # `!GetAtt Db.Endpoint.Address` -> ["Db", "Endpoint.Address"]
    return {"Ref": value} if suffix == "Ref" else {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict:
    """The template as plain JSON-ready data."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)


def template_body(path: Path = TEMPLATE_PATH) -> str:
    return json.dumps(load_template(path), separators=(",", ":"))


def _as_parameters(values: dict[str, str]) -> list[dict]:
    return [{"ParameterKey": key, "ParameterValue": str(value)} for key, value in sorted(values.items())]


def _as_tags(values: dict[str, str]) -> list[dict]:
    return [{"Key": key, "Value": value} for key, value in sorted(values.items())]


def stack_status(cfn, stage: str) -> str | None:
    """The stack's status, or None when there is no stack."""
    try:
        stacks = cfn.describe_stacks(StackName=stack_name(stage))["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    status = stacks[0]["StackStatus"] if stacks else "DELETE_COMPLETE"
    return None if status == "DELETE_COMPLETE" else status


def stack_exists(cfn, stage: str) -> bool:
    return stack_status(cfn, stage) is not None


def deploy_stack(cfn, stage: str, parameters: dict[str, str], tags: dict[str, str],
                 wait_delay: int = 15) -> dict[str, str]:
    """Create the stack, or update it in place; wait; return its outputs."""
    name = stack_name(stage)
    if stack_status(cfn, stage) == "ROLLBACK_COMPLETE":  # a failed first create cannot be updated, only replaced
        delete_stack(cfn, stage, wait_delay)
    request = {"StackName": name, "TemplateBody": template_body(), "Parameters": _as_parameters(parameters),
               "Tags": _as_tags(tags), "Capabilities": ["CAPABILITY_IAM"]}
    if not stack_exists(cfn, stage):
        cfn.create_stack(**request, OnFailure="ROLLBACK", EnableTerminationProtection=stage == "prod")
        waiter = "stack_create_complete"
    else:
        try:
            cfn.update_stack(**request)
        except ClientError as exc:
            if NO_UPDATES not in str(exc):
                raise
            return stack_outputs(cfn, stage)
        waiter = "stack_update_complete"
    # RDS takes 10-20 minutes to create; allow an hour.
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 3600 // wait_delay})
    return stack_outputs(cfn, stage)


def stack_outputs(cfn, stage: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=stack_name(stage))["Stacks"][0]
    return {out["OutputKey"]: out["OutputValue"] for out in stack.get("Outputs", [])}


def delete_stack(cfn, stage: str, wait_delay: int = 15) -> None:
    """Delete the stack and wait. Retained resources (buckets, card key, final DB snapshot) stay."""
    name = stack_name(stage)
    if not stack_exists(cfn, stage):
        return
    if cfn.describe_stacks(StackName=name)["Stacks"][0].get("EnableTerminationProtection"):
        cfn.update_termination_protection(StackName=name, EnableTerminationProtection=False)
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(
        StackName=name, WaiterConfig={"Delay": wait_delay, "MaxAttempts": 3600 // wait_delay})
