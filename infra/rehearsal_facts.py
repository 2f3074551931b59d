"""What the AWS APIs report about a deployed stage: functions, mappings, notifications, the API, data kept."""
from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError


def _clients(endpoint_url: str) -> dict[str, Any]:
    names = ("lambda", "iam", "s3", "apigateway", "events", "secretsmanager", "cloudformation", "wafv2", "kms",
             "cloudwatch", "logs")
    return {name: boto3.client(name, endpoint_url=endpoint_url, region_name="us-east-1", aws_access_key_id="rehearsal",
                               aws_secret_access_key="rehearsal") for name in names}


def _or_none(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except ClientError:
        return None


def _function_facts(c: dict, fn: dict) -> dict[str, Any]:
    name, role_name = fn["FunctionName"], fn["Role"].rsplit("/", 1)[-1]
    policies = _or_none(c["iam"].list_role_policies, RoleName=role_name) or {"PolicyNames": []}
    concurrency = _or_none(c["lambda"].get_function_concurrency, FunctionName=name) or {}
    invoke_config = _or_none(c["lambda"].get_function_event_invoke_config, FunctionName=name)
    return {
        "memory": fn["MemorySize"], "timeout": fn["Timeout"], "runtime": fn["Runtime"], "handler": fn["Handler"],
        "vpc": {"subnets": sorted(fn.get("VpcConfig", {}).get("SubnetIds", [])),
                "security_groups": fn.get("VpcConfig", {}).get("SecurityGroupIds", [])},
        "env": fn.get("Environment", {}).get("Variables", {}),
        "role": role_name,
        "role_policies": {p: c["iam"].get_role_policy(RoleName=role_name, PolicyName=p)["PolicyDocument"]
                          for p in policies["PolicyNames"]},
        "reserved_concurrency": concurrency.get("ReservedConcurrentExecutions"),
        "async_invoke": {k: invoke_config.get(k) for k in
                         ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")}
        if invoke_config else None,
    }


def _api_facts(c: dict, name: str) -> list[dict[str, Any]]:
    apis = []
    for api in c["apigateway"].get_rest_apis()["items"]:
        if api["name"] != name:
            continue
        methods = {}
        for res in c["apigateway"].get_resources(restApiId=api["id"])["items"]:
            for verb in res.get("resourceMethods", {}):
                integration = _or_none(c["apigateway"].get_integration, restApiId=api["id"], resourceId=res["id"],
                                       httpMethod=verb) or {}
                methods[f"{verb} {res['path']}"] = {"type": integration.get("type"), "uri": integration.get("uri")}
        found = c["apigateway"].get_stages(restApiId=api["id"])["item"]
        stages = [s["stageName"] for s in found]
        settings = {s["stageName"]: s.get("methodSettings", {}) for s in found}
        acls = {s["stageName"]: (_or_none(c["wafv2"].get_web_acl_for_resource, ResourceArn=(
            f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}/stages/{s['stageName']}")) or {})
            .get("WebACL", {}).get("Name") for s in found}
        responses = {r["responseType"]: {"status": r.get("statusCode"), "templates": r.get("responseTemplates", {})}
                     for r in c["apigateway"].get_gateway_responses(restApiId=api["id"])["items"]}
        apis.append({"id": api["id"], "methods": methods, "stages": stages, "gateway_responses": responses,
                     "method_settings": settings, "web_acls": acls})
    return apis


def _secret(c: dict, name: str) -> dict | None:
    value = _or_none(c["secretsmanager"].get_secret_value, SecretId=name)
    return json.loads(value["SecretString"]) if value else None


def _deploy_state(c: dict, account: str) -> dict[str, Any] | None:
    bucket = f"cardstream-deploy-state-{account}-us-east-1"
    listed = _or_none(c["s3"].list_objects_v2, Bucket=bucket)
    if listed is None:
        return None
    keys = [o["Key"] for o in listed.get("Contents", [])]
    body = {key: json.loads(c["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
            for key in keys if key.endswith("deployed.json")}
    return {"keys": keys, "deployed": body}


def _card_key_encryption(c: dict, stage: str) -> dict[str, Any] | None:
    secret = _or_none(c["secretsmanager"].describe_secret, SecretId=f"cardstream/{stage}/card-key")
    if not secret or not secret.get("KmsKeyId"):
        return None
    key = _or_none(c["kms"].describe_key, KeyId=secret["KmsKeyId"])
    policy = _or_none(c["kms"].get_key_policy, KeyId=secret["KmsKeyId"], PolicyName="default")
    return {"key_id": secret["KmsKeyId"], "key_state": key["KeyMetadata"]["KeyState"] if key else None,
            "key_policy": json.loads(policy["Policy"]) if policy else None}


def collect_facts(endpoint_url: str, stage: str, account: str) -> dict[str, Any]:
    c = _clients(endpoint_url)
    prefix, bucket = f"cardstream-{stage}", f"cardstream-{stage}-landing-{account}"
    functions = [f for page in c["lambda"].get_paginator("list_functions").paginate() for f in page["Functions"]
                 if f["FunctionName"] == prefix or f["FunctionName"].startswith(prefix + "-")]
    stacks = _or_none(c["cloudformation"].describe_stacks, StackName=prefix)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks["Stacks"][0].get("Outputs", [])} if stacks else {}
    buckets = {b["Name"] for b in c["s3"].list_buckets().get("Buckets", [])}
    notification = (_or_none(c["s3"].get_bucket_notification_configuration, Bucket=bucket) or {}) \
        if bucket in buckets else None
    return {
        "stack": {"status": stacks["Stacks"][0]["StackStatus"],
                  "outputs": {o["OutputKey"]: o["OutputValue"] for o in stacks["Stacks"][0].get("Outputs", [])},
                  "parameters": {p["ParameterKey"]: p["ParameterValue"]
                                 for p in stacks["Stacks"][0].get("Parameters", [])}} if stacks else None,
        "functions": {f["FunctionName"]: _function_facts(c, f) for f in functions},
        "event_source_mappings": c["lambda"].list_event_source_mappings()["EventSourceMappings"],
        "bucket_notification": {"lambda": notification.get("LambdaFunctionConfigurations", [])}
        if notification is not None else None,
        "buckets": sorted(buckets),
        "apis": _api_facts(c, "cardstream"),
        "rules": [{"name": r["Name"], "schedule": r.get("ScheduleExpression")}
                  for r in c["events"].list_rules(NamePrefix=prefix)["Rules"]],
        "secrets": {**{name: _secret(c, f"cardstream/{stage}/{name}") for name in ("api-tokens", "card-key", "db-app")},
                    "db": _secret(c, outputs["DbSecretName"]) if outputs.get("DbSecretName") else None},
        "rds_managed_secrets": [s["Name"] for s in c["secretsmanager"].list_secrets()["SecretList"]
                                if s["Name"].startswith("rds!")],
        "card_key_encryption": _card_key_encryption(c, stage),
        "deploy_state": _deploy_state(c, account),
        **_observability_facts(c, prefix),
    }


def lake_facts(account: str, region: str, database: str, workgroup: str) -> dict[str, Any]:
    """The lake's Glue tables, Athena workgroup and named queries, read from moto's backends in this process (the
    rehearsal's server runs in a thread here): this botocore speaks rest-json to Athena, which moto 5.2 answers
    with "Not yet implemented", so its API cannot be asked."""
    from moto.athena.models import athena_backends
    from moto.glue.models import glue_backends

    found = glue_backends[account][region].databases.get(database)
    athena = athena_backends[account][region]
    group = athena.work_groups.get(workgroup)
    return {
        "tables": sorted(found.tables) if found else None,
        "workgroup": group.configuration if group else None,
        "named_queries": sorted(q.name for q in athena.named_queries.values() if q.workgroup.name == workgroup),
    }


def _observability_facts(c: dict, prefix: str) -> dict[str, Any]:
    """Alarms, dashboards and log groups (with their retention) of the stage (issue 17)."""
    alarms = [a["AlarmName"] for page in c["cloudwatch"].get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix + "-") for a in page["MetricAlarms"]]
    groups = {g["logGroupName"]: g.get("retentionInDays") for page in c["logs"].get_paginator(
        "describe_log_groups").paginate() for g in page["logGroups"] if prefix in g["logGroupName"]}
    dashboards = [d["DashboardName"] for d in c["cloudwatch"].list_dashboards(DashboardNamePrefix=prefix)
                  .get("DashboardEntries", [])]
    return {"alarms": sorted(alarms), "log_groups": groups, "dashboards": dashboards}
