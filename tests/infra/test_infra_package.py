"""`chalice package --pkg-format terraform` per stage: the wiring Chalice generates from app.py + config.json."""
import json

import pytest

from infra.stage_config import read_config, stage_env
from tests.support.chalice_package import package

STAGES = ["dev", "prod"]
# Routes anyone may call: the health check (issue 6), and the API's own description (it holds no data).
PUBLIC_ROUTES = {"get /health", "get /openapi.json"}


def _functions(stage: str) -> dict:
    return package(stage).resources("aws_lambda_function")


def _config(stage: str) -> dict:
    return read_config(package(stage).project)


@pytest.mark.parametrize("stage", STAGES)
def test_every_route_but_the_public_ones_needs_the_token_authorizer(stage):
    swagger = package(stage).swagger()
    open_routes, guarded = [], []
    for path, methods in swagger["paths"].items():
        for verb, spec in methods.items():
            (guarded if spec.get("security") == [{"token_authorizer": []}] else open_routes).append(f"{verb} {path}")
    assert "get /health" in open_routes and set(open_routes) <= PUBLIC_ROUTES
    assert {"post /transactions", "get /transactions/{trans_num}"} <= set(guarded)


@pytest.mark.parametrize("stage", STAGES)
def test_the_authorizer_is_a_token_authorizer_cached_300_seconds(stage):
    authorizer = package(stage).swagger()["securityDefinitions"]["token_authorizer"]
    assert authorizer["name"] == "Authorization"
    assert authorizer["x-amazon-apigateway-authorizer"]["type"] == "token"
    assert authorizer["x-amazon-apigateway-authorizer"]["authorizerResultTtlInSeconds"] == 300
    assert "token_authorizer.invoke_arn" in authorizer["x-amazon-apigateway-authorizer"]["authorizerUri"]


@pytest.mark.parametrize("stage", STAGES)
def test_batcher_reads_the_stage_stream_from_trim_horizon_in_batches(stage):
    (mapping,) = package(stage).resources("aws_lambda_event_source_mapping").values()
    env = stage_env(_config(stage), stage)
    assert mapping["event_source_arn"].endswith(f":stream/{env['STREAM_NAME']}")
    assert mapping["function_name"] == "${aws_lambda_function.on_stream_records.arn}"
    assert mapping["starting_position"] == "TRIM_HORIZON"
    assert mapping["batch_size"] == int(env["KINESIS_BATCH_SIZE"])
    assert mapping["maximum_batching_window_in_seconds"] == int(env["KINESIS_BATCH_WINDOW_SECONDS"])


@pytest.mark.parametrize("stage", STAGES)
def test_loader_gets_object_created_events_under_raw_data_from_the_stage_bucket(stage):
    (notification,) = package(stage).resources("aws_s3_bucket_notification").values()  # app.py's on_raw_file
    assert notification["bucket"] == stage_env(_config(stage), stage)["BUCKET_NAME"]
    (target,) = notification["lambda_function"]
    assert target["lambda_function_arn"] == "${aws_lambda_function.on_raw_file.arn}"
    assert target["events"] == ["s3:ObjectCreated:*"]
    assert target["filter_prefix"] == "raw-data/"


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_runs_in_the_stage_vpc_but_the_lake_compaction(stage):
    config = _config(stage)["stages"][stage]
    expected = {"subnet_ids": config["subnet_ids"], "security_group_ids": config["security_group_ids"]}
    # compact_lake calls Athena and Glue only, which have no endpoint in the VPC, and needs no database
    assert {name: fn.get("vpc_config") for name, fn in _functions(stage).items()} == \
        {name: None if name == "compact_lake" else expected for name in _functions(stage)}


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_gets_the_stage_environment_and_its_own(stage):
    config = _config(stage)
    for name, fn in _functions(stage).items():
        assert fn["environment"]["variables"] == stage_env(config, stage, name), name


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_migrate_function_knows_the_master_secret(stage):
    holders = [name for name, fn in _functions(stage).items() if "DB_ADMIN_SECRET_ID" in fn["environment"]["variables"]]
    assert holders == (["migrate"] if "migrate" in _functions(stage) else [])


@pytest.mark.parametrize("stage", STAGES)
def test_memory_timeout_and_reserved_concurrency_follow_the_stage_config(stage):
    per_function = _config(stage)["stages"][stage]["lambda_functions"]
    for name, fn in _functions(stage).items():
        wanted = per_function[name]
        assert (fn["memory_size"], fn["timeout"]) == (wanted["lambda_memory_size"], wanted["lambda_timeout"]), name
        assert fn.get("reserved_concurrent_executions") == wanted.get("reserved_concurrency"), name


@pytest.mark.parametrize("stage", STAGES)
def test_loader_reserved_concurrency_leaves_most_database_connections_free(stage):
    from infra.stage_config import load_stage_file

    loader = _config(stage)["stages"][stage]["lambda_functions"]["on_raw_file"]["reserved_concurrency"]
    max_connections = int(load_stage_file(stage)["parameters"]["DbMaxConnections"])
    assert 1 < loader <= max_connections // 4  # docs/capacity.md: the rest is for sweep, API reads, BI, admin


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_has_its_own_role_with_its_policy_file(stage):
    roles = package(stage).resources("aws_iam_role_policy")
    per_function = _config(stage)["stages"][stage]["lambda_functions"]
    for name in _functions(stage):
        policy_file = package(stage).project / ".chalice" / per_function[name]["iam_policy_file"]
        assert json.loads(roles[f"{name}_role"]["policy"]) == json.loads(policy_file.read_text()), name


def test_psycopg2_is_bundled_as_a_manylinux_wheel_for_the_lambda_runtime():
    pkg = package("dev")
    wheel = next(n for n in pkg.zip_names if n.startswith("psycopg2_binary-") and n.endswith(".dist-info/WHEEL"))
    tags = [line.split(": ", 1)[1] for line in pkg.read(wheel).splitlines() if line.startswith("Tag: ")]
    assert tags and all(t.startswith("cp311-cp311-manylinux") and t.endswith("x86_64") for t in tags)
    assert any(n.startswith("psycopg2/_psycopg.cpython-311-x86_64-linux-gnu") for n in pkg.zip_names)
    assert any(n.startswith("psycopg2_binary.libs/libpq") for n in pkg.zip_names)  # libpq comes with it


def test_the_package_holds_the_migrations_and_the_rds_ca_bundle_where_the_code_looks():
    pkg = package("dev")
    migrations = sorted(p.name for p in (pkg.project / "sql").glob("*.sql"))
    assert migrations and {f"sql/{m}" for m in migrations} <= pkg.zip_names  # chalicelib/platform/migrate.py: ../../sql
    ca_path = stage_env(_config("dev"), "dev")["DB_SSLROOTCERT"]
    assert ca_path.startswith("/var/task/") and ca_path.removeprefix("/var/task/") in pkg.zip_names


def test_no_test_or_dev_tooling_is_shipped():
    names = {n.split("/", 1)[0] for n in package("dev").zip_names}  # chalice/ is Chalice's own small runtime
    assert not {"pytest", "moto", "cfnlint", "ruff", "boto3", "tests", "infra", "bench", "client"} & names
