"""What a stage deploys with: `infra/stage-<stage>.json` (stack parameters, tags, tuning of what Chalice cannot
configure) and the stage's block of `.chalice/config.json`, into which the stack's outputs are written.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).parent

# Stack output -> the stage's environment variable (read by chalicelib/platform/settings.py).
OUTPUT_ENV = {
    "STREAM_NAME": "StreamName",
    "BUCKET_NAME": "LandingBucketName",
    "API_TOKENS_SECRET_ID": "ApiTokensSecretName",
    "CARD_KEY_SECRET_ID": "CardKeySecretName",
    "DB_SECRET_ID": "DbAppSecretName",
}
# Only the migrate function gets the master secret's name.
MIGRATE_FUNCTION = "migrate"
MIGRATE_OUTPUT_ENV = {"DB_ADMIN_SECRET_ID": "DbSecretName"}


def load_stage_file(stage: str, infra_dir: Path = INFRA_DIR) -> dict[str, Any]:
    """`infra/stage-<stage>.json`, with `Stage` and `CostCenter` added to its stack parameters."""
    spec = json.loads((infra_dir / f"stage-{stage}.json").read_text(encoding="utf-8"))
    spec["parameters"] = {**spec["parameters"], "Stage": stage, "CostCenter": spec["tags"]["CostCenter"]}
    return spec


def config_path(project_dir: Path) -> Path:
    return project_dir / ".chalice" / "config.json"


def read_config(project_dir: Path) -> dict[str, Any]:
    return json.loads(config_path(project_dir).read_text(encoding="utf-8"))


def write_config(project_dir: Path, config: dict[str, Any]) -> None:
    # The same layout as the checked-in file, so a deploy's diff shows only the values it wrote.
    config_path(project_dir).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def apply_outputs(config: dict[str, Any], stage: str, outputs: dict[str, str]) -> dict[str, Any]:
    """A copy of the Chalice config with the stage's env vars, subnets and security group from the stack."""
    needed = [*OUTPUT_ENV.values(), *MIGRATE_OUTPUT_ENV.values(), "LambdaSubnetIds", "LambdaSecurityGroupId"]
    missing = [output for output in needed if not outputs.get(output)]
    if missing:
        raise ValueError(f"stack outputs missing: {', '.join(missing)}")
    new = copy.deepcopy(config)
    block = new["stages"][stage]
    block.setdefault("environment_variables", {}).update(
        {env: outputs[output] for env, output in OUTPUT_ENV.items()})
    migrate = block.setdefault("lambda_functions", {}).setdefault(MIGRATE_FUNCTION, {})
    migrate.setdefault("environment_variables", {}).update(
        {env: outputs[output] for env, output in MIGRATE_OUTPUT_ENV.items()})
    block["subnet_ids"] = outputs["LambdaSubnetIds"].split(",")
    block["security_group_ids"] = [outputs["LambdaSecurityGroupId"]]
    return new


def stage_env(config: dict[str, Any], stage: str, function: str | None = None) -> dict[str, str]:
    """The environment a stage's function runs with (top-level variables, the stage's, the function's)."""
    block = config["stages"][stage]
    own = block.get("lambda_functions", {}).get(function, {}) if function else {}
    return {**config.get("environment_variables", {}), **block.get("environment_variables", {}),
            **own.get("environment_variables", {})}


def deployed_resources(project_dir: Path, stage: str) -> dict[str, dict[str, Any]]:
    """What `chalice deploy` recorded in `.chalice/deployed/<stage>.json`, by resource name."""
    path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
    return {res["name"]: res for res in json.loads(path.read_text(encoding="utf-8"))["resources"]}
