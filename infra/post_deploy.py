"""What `chalice deploy` cannot configure, applied after it on every deploy (idempotent).

- The batcher's Kinesis mapping: bisect a failing batch, bounded retries and record age, and an on-failure
  destination (the DLQ gets the shard and sequence range of what was skipped; the records stay on the stream
  until its retention ends, so the record age must stay well under the retention to leave time to replay).
- The S3 loader's asynchronous invocations: how long an event may wait and retry, then the DLQ. The recovery
  sweep loads any file that still missed the ledger.
- API tokens: every name the stage lists gets a generated token; existing tokens are never changed.
- API Gateway's own error answers: for a path with no route it answers 403 with a body that quotes the
  Authorization header, i.e. the caller's token. Those responses get a fixed body instead.
- The read routes' integration: Chalice points every route at the API function; the GET routes that read the
  database are pointed at the `read_api` function instead (the same Chalice app, its own reserved
  concurrency), so reads can never take more database connections than that reservation.
- The API stage's throttling (rate and burst for every method, from the stage file) and the stack's WAF web
  ACL: Chalice makes the stage, so both are applied to it after each deploy.
"""
from __future__ import annotations

import contextlib
import json
import secrets
import time
from typing import Any

BATCHER = "on_stream_records"
READ_FUNCTION = "read_api"
LOADER = "on_raw_file"
TOKEN_BYTES = 36  # 48 url-safe characters
SETTLING = ("Creating", "Updating", "Enabling")
# The gateway's answers that quote request headers (the token among them) in their message.
FIXED_GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", '{"message": "no such route"}'),
    "INCOMPLETE_SIGNATURE": ("403", '{"message": "Forbidden"}'),
    "INVALID_SIGNATURE": ("403", '{"message": "Forbidden"}'),
}


def route_reads(apigw_client, lambda_client, rest_api_id: str, read_function_arn: str, routes: list[str]) -> str:
    """Point each "METHOD /path" of `routes` at the read function (Lambda proxy), and let API Gateway invoke it.
    Published by the next deployment of the stage (configure_gateway_responses makes one)."""
    region, account = apigw_client.meta.region_name, read_function_arn.split(":")[4]
    uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{read_function_arn}/invocations"
    by_path = {r["path"]: r["id"] for r in apigw_client.get_resources(restApiId=rest_api_id, limit=500)["items"]}
    for route in routes:
        method, path = route.split(" ", 1)
        apigw_client.put_integration(restApiId=rest_api_id, resourceId=by_path[path], httpMethod=method,
                                     type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    # ResourceConflict: granted by an earlier deploy of the same function
    with contextlib.suppress(lambda_client.exceptions.ResourceConflictException):
        lambda_client.add_permission(FunctionName=read_function_arn, StatementId="api-gateway-read-routes",
                                     Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                                     SourceArn=f"arn:aws:execute-api:{region}:{account}:{rest_api_id}/*")
    return f"read routes -> {READ_FUNCTION}: {', '.join(routes)}"


def configure_gateway_responses(apigw_client, rest_api_id: str, stage_name: str) -> str:
    """Fixed bodies for the gateway's header-quoting errors, then a new deployment so the stage serves them."""
    for response_type, (status, body) in FIXED_GATEWAY_RESPONSES.items():
        apigw_client.put_gateway_response(
            restApiId=rest_api_id, responseType=response_type, statusCode=status,
            responseParameters={"gatewayresponse.header.Content-Type": "'application/json'"},
            responseTemplates={"application/json": body})
    apigw_client.create_deployment(restApiId=rest_api_id, stageName=stage_name,
                                   description="fixed gateway error bodies (no header echo)")
    return f"API gateway responses: {', '.join(FIXED_GATEWAY_RESPONSES)} answer a fixed body"


def wait_for_mapping(lambda_client, event_uuid: str, timeout_s: float = 300, poll_s: float = 3) -> str:
    """Wait while a new or changed mapping is Creating/Updating (it cannot be updated then); its state."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = lambda_client.get_event_source_mapping(UUID=event_uuid)["State"]
        if state not in SETTLING or time.monotonic() > deadline:
            return state
        time.sleep(poll_s)


def configure_stream_mapping(lambda_client, event_uuid: str, dlq_arn: str, tuning: dict[str, int],
                             retention_hours: int) -> dict[str, Any]:
    max_age = int(tuning["maximum_record_age_seconds"])
    if max_age * 2 > retention_hours * 3600:
        raise ValueError(f"maximum_record_age_seconds={max_age} leaves under half of the {retention_hours} h "
                         "stream retention to replay what the DLQ points at")
    wait_for_mapping(lambda_client, event_uuid)
    return lambda_client.update_event_source_mapping(
        UUID=event_uuid,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=int(tuning["maximum_retry_attempts"]),
        MaximumRecordAgeInSeconds=max_age,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}},
    )


def configure_async_invoke(lambda_client, function_name: str, dlq_arn: str, tuning: dict[str, int]) -> None:
    lambda_client.put_function_event_invoke_config(
        FunctionName=function_name,
        MaximumRetryAttempts=int(tuning["maximum_retry_attempts"]),
        MaximumEventAgeInSeconds=int(tuning["maximum_event_age_seconds"]),
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}},
    )


def ensure_api_tokens(secrets_client, secret_id: str, names: list[str]) -> list[str]:
    """Add a generated token for each listed name the secret lacks; returns the names added (never tokens)."""
    current = json.loads(secrets_client.get_secret_value(SecretId=secret_id)["SecretString"])
    added = [name for name in names if not current.get(name)]
    if added:
        current.update({name: secrets.token_urlsafe(TOKEN_BYTES) for name in added})
        secrets_client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(current))
    return added


def configure_functions(lambda_client, resources: dict[str, dict], outputs: dict[str, str],
                        spec: dict[str, Any]) -> list[str]:
    """Apply the mapping and async settings to whichever of the two functions the app has; what was done."""
    done, dlq_arn = [], outputs["DeadLetterQueueArn"]
    mapping = resources.get(f"{BATCHER}-kinesis-event-source")
    if mapping:
        configure_stream_mapping(lambda_client, mapping["event_uuid"], dlq_arn, spec["stream_mapping"],
                                 int(spec["parameters"]["KinesisRetentionHours"]))
        done.append(f"{BATCHER}: bisect on error, retries and record age bounded, failures -> DLQ")
    loader = resources.get(LOADER)
    if loader:
        configure_async_invoke(lambda_client, loader["lambda_arn"], dlq_arn, spec["loader_async_invoke"])
        done.append(f"{LOADER}: async max event age and retries bounded, failures -> DLQ")
    return done


def stage_arn(region: str, rest_api_id: str, stage_name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:apigateway:{region}::/restapis/{rest_api_id}/stages/{stage_name}"


def _method_key(route: str) -> str:
    """"GET /alerts" -> "~1alerts/GET", a method's key in a stage's settings ("/" in the path becomes "~1")."""
    method, path = route.split(" ", 1)
    return f"{path.replace('/', '~1')}/{method}"


def configure_stage_protection(apigw_client, wafv2_client, rest_api_id: str, stage_name: str,
                               throttling: dict[str, int], web_acl_arn: str, read_routes: list[str]) -> list[str]:
    """Every method's rate and burst limits on the stage, the read routes' own lower ones (kept within what
    read_api's reserved concurrency serves, so a flood of reads gets 429s, not Lambda throttles), then the web
    ACL in front of the stage. All idempotent."""
    limits = {"*/*": (int(throttling["rate_limit"]), int(throttling["burst_limit"]))}
    limits.update({_method_key(r): (int(throttling["read_rate_limit"]), int(throttling["read_burst_limit"]))
                   for r in read_routes})
    apigw_client.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=[
        {"op": "replace", "path": f"/{key}/throttling/{name}", "value": str(value)}
        for key, (rate, burst) in limits.items() for name, value in (("rateLimit", rate), ("burstLimit", burst))])
    region = apigw_client.meta.region_name
    wafv2_client.associate_web_acl(WebACLArn=web_acl_arn, ResourceArn=stage_arn(region, rest_api_id, stage_name))
    rate, burst = limits["*/*"]
    return [f"API stage {stage_name}: {rate} requests/s, bursts of {burst}, for every method; reads "
            f"{throttling['read_rate_limit']}/s, bursts of {throttling['read_burst_limit']}",
            f"API stage {stage_name}: behind web ACL {web_acl_arn.rsplit('/', 2)[-2]}"]
