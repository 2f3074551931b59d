"""Checks `make deploy` runs before it creates anything; each failure names the fix.

- Python: the operator's interpreter must be the Lambda runtime's (chalice builds the package for the
  interpreter it runs on, and the runtime lock is resolved for it).
- Concurrency: Lambda keeps 100 concurrent executions unreserved, so the account's quota must cover 100 plus
  everything reserved: the stage's functions and whatever other functions already hold. New accounts often
  start at 10, where the deploy would die halfway, after the stack.
- Availability zones: the two subnets go in AZs (chosen by AZ ID, which is the same physical zone in every
  account) that run Lambda and every interface endpoint the stack makes.
- Alarm e-mail: prod's alarms and budget alerts must reach someone (the template refuses too, minutes later).
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

LAMBDA_RUNTIME = (3, 11)
RUNTIME_NAME = "python{}.{}".format(*LAMBDA_RUNTIME)
UNRESERVED_MINIMUM = 100  # Lambda refuses a reservation that leaves fewer unreserved
CONCURRENCY_QUOTA_CODE = "L-B99A9384"  # Service Quotas: AWS Lambda, "Concurrent executions"
INTERFACE_ENDPOINTS = ("kinesis-streams", "secretsmanager")  # the stack's interface endpoints
# AZ IDs where Lambda runs no functions (AWS's Lambda VPC documentation); the `lambda` endpoint service's zones
# are asked as well, which catches zones added since.
LAMBDA_UNSUPPORTED_AZ_IDS = frozenset({"use1-az3", "usw1-az2", "cac1-az3"})


class PreflightFailed(SystemExit):
    """A check failed: its message says what and how to fix it."""


def check_python(version: tuple[int, int] | None = None) -> str:
    running = version or sys.version_info[:2]
    if tuple(running) != LAMBDA_RUNTIME:
        want = RUNTIME_NAME
        raise PreflightFailed(
            f"preflight: this is Python {running[0]}.{running[1]}, the functions run on {want}: chalice would "
            f"package for the wrong runtime. Fix: run make with {want} (make clean; make deploy PYTHON={want})")
    return f"{RUNTIME_NAME} = the Lambda runtime"


def reserved_by_stage(config: dict[str, Any], stage: str) -> dict[str, int]:
    """function name in Chalice's config -> reserved concurrency, for the stage."""
    functions = config["stages"][stage].get("lambda_functions", {})
    return {name: int(f["reserved_concurrency"]) for name, f in functions.items() if f.get("reserved_concurrency")}


def check_concurrency(lambda_client, config: dict[str, Any], stage: str) -> str:
    """Whether the account can reserve what the stage needs and keep 100 unreserved."""
    wanted = reserved_by_stage(config, stage)
    limits = lambda_client.get_account_settings()["AccountLimit"]
    quota, unreserved = int(limits["ConcurrentExecutions"]), int(limits["UnreservedConcurrentExecutions"])
    held = 0  # what this stage's functions already reserve (an update replaces it)
    for name in wanted:
        function = f"cardstream-{stage}" if name == "api_handler" else f"cardstream-{stage}-{name}"
        try:
            held += int(lambda_client.get_function_concurrency(FunctionName=function)
                        .get("ReservedConcurrentExecutions") or 0)
        except lambda_client.exceptions.ResourceNotFoundException:
            continue
    left = unreserved + held - sum(wanted.values())
    if left < UNRESERVED_MINIMUM:
        needed = quota - left + UNRESERVED_MINIMUM
        raise PreflightFailed(
            f"preflight: {stage} reserves {sum(wanted.values())} concurrent executions "
            f"({', '.join(f'{k} {v}' for k, v in sorted(wanted.items()))}), which would leave {left} unreserved; "
            f"Lambda keeps at least {UNRESERVED_MINIMUM}. The account's quota is {quota}. Fix: raise the "
            f"Service Quotas quota {CONCURRENCY_QUOTA_CODE} (AWS Lambda, Concurrent executions) to at least "
            f"{needed}: aws service-quotas request-service-quota-increase --service-code lambda "
            f"--quota-code {CONCURRENCY_QUOTA_CODE} --desired-value {needed}")
    return f"concurrency: quota {quota}, {sum(wanted.values())} reserved by {stage}, {left} left unreserved"


def _endpoint_zones(ec2, region: str, services: Iterable[str]) -> dict[str, set[str]]:
    names = [f"com.amazonaws.{region}.{s}" for s in services]
    found = ec2.describe_vpc_endpoint_services(ServiceNames=names)["ServiceDetails"]
    return {d["ServiceName"].rsplit(".", 1)[-1]: set(d.get("AvailabilityZones", [])) for d in found}


def usable_zones(ec2, region: str) -> tuple[dict[str, str], dict[str, str]]:
    """(usable AZ ID -> name, unusable AZ ID -> why), over the region's available zones."""
    zones = ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]},
                                                     {"Name": "zone-type", "Values": ["availability-zone"]}])
    by_id = {z["ZoneId"]: z["ZoneName"] for z in zones["AvailabilityZones"]}
    services = _endpoint_zones(ec2, region, ("lambda", *INTERFACE_ENDPOINTS))
    usable, why = {}, {}
    for zone_id, name in sorted(by_id.items()):
        missing = [s for s in ("lambda", *INTERFACE_ENDPOINTS) if name not in services.get(s, set())]
        if zone_id in LAMBDA_UNSUPPORTED_AZ_IDS and "lambda" not in missing:
            missing.insert(0, "lambda")
        if missing:
            why[zone_id] = "no " + ", ".join(missing)
        else:
            usable[zone_id] = name
    return usable, why


def choose_zones(ec2, region: str, wanted_ids: list[str] | None) -> tuple[list[str], str]:
    """Two AZ names for the subnets: the stage's AZ IDs if given (each checked), else the first two usable."""
    usable, why = usable_zones(ec2, region)
    if wanted_ids:
        bad = {z: why.get(z, "not an available zone of " + region) for z in wanted_ids if z not in usable}
        if bad:
            raise PreflightFailed(
                "preflight: " + "; ".join(f"{z}: {reason}" for z, reason in sorted(bad.items())) +
                f". Fix: list two of {', '.join(sorted(usable)) or 'none'} as availability_zone_ids in "
                "infra/stage-<stage>.json")
        ids = list(wanted_ids)
    elif len(usable) < 2:
        raise PreflightFailed(f"preflight: {region} has fewer than two zones with Lambda and every interface "
                              f"endpoint ({why}). Fix: deploy to another region (AWS_REGION)")
    else:
        ids = sorted(usable)[:2]
    return [usable[z] for z in ids], f"zones: {', '.join(f'{z} ({usable[z]})' for z in ids)}"


def check_alarm_email(stage: str, parameters: dict[str, str]) -> str:
    if stage == "prod" and not parameters.get("AlarmEmail"):
        raise PreflightFailed("preflight: prod needs an alarm e-mail (alarms and budget alerts). Fix: "
                              "make deploy STAGE=prod DEPLOY_ARGS=\"--param AlarmEmail=ops@example.com\"")
    if parameters.get("AlarmEmail"):
        return f"alarm e-mail: {parameters['AlarmEmail']} (confirm the subscription AWS sends)"
    return (f"warning: no AlarmEmail: the {stage} alarms notify nobody "
            "(add DEPLOY_ARGS=\"--param AlarmEmail=ops@example.com\")")
