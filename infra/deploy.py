"""`make deploy STAGE=dev` / `make destroy STAGE=dev`: the stack, then the Chalice app, then what Chalice can't do.

    python -m infra.deploy deploy --stage dev [--migrate lambda|local|skip] [--param Key=Value ...]
    python -m infra.deploy destroy --stage dev [--delete-data] [--force]

AWS credentials and region come from the usual places (AWS_PROFILE, AWS_REGION, ...). AWS_ENDPOINT_URL points
every client, and `chalice deploy`, at an emulator instead (the rehearsal in tests/test_infra_rehearsal.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from infra import post_deploy, stack, stage_config, teardown
from infra.chalice_cli import run_chalice

PROJECT_DIR = Path(__file__).resolve().parent.parent
# AWS's published bundle of RDS CAs; sslmode=verify-full checks the database's certificate against it.
RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
CA_BUNDLE_VENDOR_PATH = Path("vendor") / "rds-ca-global-bundle.pem"  # /var/task/rds-ca-global-bundle.pem


def say(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


def _adoption_parameters(clients: dict, stage: str, account: str) -> dict[str, str]:
    """Adopt* stack parameters: on a first create, whether a previous destroy kept the resource."""
    if stack.stack_exists(clients["cloudformation"], stage):
        current = clients["cloudformation"].describe_stacks(StackName=stack.stack_name(stage))["Stacks"][0]
        return {p["ParameterKey"]: p["ParameterValue"] for p in current.get("Parameters", [])
                if p["ParameterKey"].startswith("Adopt")}
    return {
        "AdoptLandingBucket": _bucket_exists(clients["s3"], f"cardstream-{stage}-landing-{account}"),
        "AdoptAccessLogBucket": _bucket_exists(clients["s3"], f"cardstream-{stage}-access-logs-{account}"),
        "AdoptCardKeySecret": _secret_exists(clients["secretsmanager"], f"cardstream/{stage}/card-key"),
    }


def _bucket_exists(s3, name: str) -> str:
    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return "false"
    return "true"


def _secret_exists(sm, name: str) -> str:
    try:
        return "false" if sm.describe_secret(SecretId=name).get("DeletedDate") else "true"
    except ClientError:
        return "false"


def prepare_vendor(project_dir: Path, ca_bundle: Path | None) -> list[str]:
    """What Chalice copies to the package root from `vendor/`: the RDS CA bundle (downloaded once if not
    given) and the migrations (`sql/`, which chalicelib/migrate.py reads from beside `chalicelib/`)."""
    vendor = project_dir / "vendor"
    target = project_dir / CA_BUNDLE_VENDOR_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    if ca_bundle is not None:
        shutil.copyfile(ca_bundle, target)
    elif not target.exists():
        with urllib.request.urlopen(RDS_CA_BUNDLE_URL, timeout=30) as response:  # noqa: S310 (fixed https URL)
            target.write_bytes(response.read())
    shutil.rmtree(vendor / "sql", ignore_errors=True)
    migrations = sorted((project_dir / "sql").glob("*.sql"))
    if migrations:
        (vendor / "sql").mkdir()
        for path in migrations:
            shutil.copy2(path, vendor / "sql" / path.name)
    return [str(target.relative_to(vendor))] + [f"sql/{p.name}" for p in migrations]


def run_migrations(mode: str, clients: dict, project_dir: Path, stage: str, resources: dict,
                   env_overrides: dict[str, str]) -> str:
    """Apply the migrations and the functions' DB login through the loader's connection path (the secrets)."""
    if mode == "skip":
        return "skipped (--migrate skip)"
    if mode == "lambda":  # the database is private: only a function in the VPC can reach it
        if "migrate" not in resources:
            return "skipped: the app has no `migrate` function"
        function = resources["migrate"]["lambda_arn"]
        # A new VPC function stays Pending while its network interfaces are made; invoke it once Active.
        clients["lambda"].get_waiter("function_active_v2").wait(FunctionName=function)
        clients["lambda"].get_waiter("function_updated_v2").wait(FunctionName=function)
        reply = clients["lambda_invoke"].invoke(FunctionName=function, Payload=b"{}")
        payload = reply["Payload"].read().decode()
        if reply.get("FunctionError"):
            raise RuntimeError(f"migrate function failed: {payload}")
        return f"done by the migrate function: {payload}"
    config = stage_config.read_config(project_dir)
    local_ca = {"DB_SSLROOTCERT": str(project_dir / CA_BUNDLE_VENDOR_PATH)}  # the stage's path is Lambda's
    env = {**os.environ, **stage_config.stage_env(config, stage, "migrate"), **local_ca, **env_overrides}
    done = subprocess.run([sys.executable, "-m", "chalicelib.dbsetup"], cwd=project_dir, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"database set-up failed: {done.stderr.strip()[-2000:]}")
    return f"done from this machine: {done.stdout.strip()}"


def check_alarm_email(stage: str, parameters: dict[str, str]) -> str:
    """prod must name who its alarms reach; dev may leave AlarmEmail empty, and is told so."""
    if parameters.get("AlarmEmail"):
        return f"    alarms e-mail {parameters['AlarmEmail']} (confirm the subscription AWS sends)"
    if stage == "prod":
        raise SystemExit("prod needs an alarm e-mail: make deploy STAGE=prod DEPLOY_ARGS='--param AlarmEmail=...'")
    return (f"    warning: no AlarmEmail: the {stage} alarms notify nobody "
            "(add DEPLOY_ARGS='--param AlarmEmail=...')")


def deploy(stage: str, project_dir: Path, migrate: str, overrides: dict[str, str], ca_bundle: Path | None,
           env_overrides: dict[str, str]) -> dict:
    clients = {name: boto3.client(name)
               for name in ("cloudformation", "s3", "secretsmanager", "sts", "lambda", "apigateway")}
    # The migrate function may run for minutes; one attempt only (it is safe to rerun, but not to overlap).
    clients["lambda_invoke"] = boto3.client("lambda", config=Config(read_timeout=900, retries={"max_attempts": 1}))
    spec = stage_config.load_stage_file(stage)
    account = clients["sts"].get_caller_identity()["Account"]
    spec["parameters"] = {**spec["parameters"], **_adoption_parameters(clients, stage, account), **overrides}
    alarm_email = check_alarm_email(stage, spec["parameters"])  # before anything is created
    say(f"1/6 stack {stack.stack_name(stage)}: create or update (RDS makes a first create take ~15 min)")
    say(alarm_email)
    outputs = stack.deploy_stack(clients["cloudformation"], stage, spec["parameters"], spec["tags"])
    say("2/6 stack outputs -> .chalice/config.json stage " + stage)
    config = stage_config.apply_outputs(stage_config.read_config(project_dir), stage, outputs)
    stage_config.write_config(project_dir, config)
    added = post_deploy.ensure_api_tokens(clients["secretsmanager"], outputs["ApiTokensSecretName"],
                                          spec["api_token_names"])
    say(f"    API tokens generated for: {', '.join(added) or 'none (all present)'}")
    say("    vendored into the package: " + ", ".join(prepare_vendor(project_dir, ca_bundle)))
    say(f"3/6 chalice deploy --stage {stage}")
    run_chalice(project_dir, "deploy", "--stage", stage)
    resources = stage_config.deployed_resources(project_dir, stage)
    say("4/6 migrations: " + run_migrations(migrate, clients, project_dir, stage, resources, env_overrides))
    say("5/6 what Chalice cannot configure:")
    for line in post_deploy.configure_functions(clients["lambda"], resources, outputs, spec):
        say("    " + line)
    say("    " + post_deploy.configure_gateway_responses(
        clients["apigateway"], resources["rest_api"]["rest_api_id"],
        stage_config.read_config(project_dir)["stages"][stage].get("api_gateway_stage", "api")))
    api_url = resources["rest_api"]["rest_api_url"]
    say(f"6/6 API: {api_url}   (token: aws secretsmanager get-secret-value --secret-id "
        f"{outputs['ApiTokensSecretName']})")
    return {"outputs": outputs, "api_url": api_url, "resources": resources}


def _key_values(pairs: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["deploy", "destroy"])
    parser.add_argument("--stage", required=True, choices=["dev", "prod"])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--migrate", choices=["lambda", "local", "skip"], default="lambda",
                        help="lambda: invoke the in-VPC migrate function (default); local: run "
                             "`python -m chalicelib.migrate` here (needs a network path to the database)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="stack parameter")
    parser.add_argument("--migrate-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for --migrate local (e.g. DB_SSLMODE=require through a tunnel)")
    parser.add_argument("--ca-bundle", type=Path, help="RDS CA bundle file (else downloaded from AWS once)")
    parser.add_argument("--delete-data", action="store_true", help="destroy: also delete buckets, DB, card key")
    parser.add_argument("--force", action="store_true", help="destroy: turn off the DB's deletion protection")
    args = parser.parse_args(argv)
    if args.action == "deploy":
        result = deploy(args.stage, args.project_dir.resolve(), args.migrate, _key_values(args.param),
                        args.ca_bundle, _key_values(args.migrate_env))
        print(json.dumps({"api_url": result["api_url"]}))
    else:
        teardown.destroy(args.stage, args.project_dir.resolve(), args.delete_data, args.force, say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
