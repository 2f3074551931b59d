"""The pieces of `make deploy` one at a time: template loading, stage config, vendoring, post-deploy steps."""
import json

import pytest
from botocore.stub import Stubber

from infra import post_deploy, stage_config
from infra.deploy import CA_BUNDLE_VENDOR_PATH, prepare_vendor
from infra.stack import load_template
from tests.support.chalice_package import REPO

OUTPUTS = {"StreamName": "cardstream-dev", "LandingBucketName": "cardstream-dev-landing-123456789012",
           "ApiTokensSecretName": "cardstream/dev/api-tokens", "CardKeySecretName": "cardstream/dev/card-key",
           "DbSecretName": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0b1c2d3e-AbCdEf",
           "DbAppSecretName": "cardstream/dev/db-app",
           "LambdaSubnetIds": "subnet-a,subnet-b", "LambdaSecurityGroupId": "sg-1"}


def test_short_form_getatt_splits_at_the_first_dot_only(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Outputs:\n  A: {Value: !GetAtt Db.Endpoint.Address}\n  B: {Value: !Sub 'x-${Stage}'}\n")
    assert load_template(path)["Outputs"] == {"A": {"Value": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}},
                                              "B": {"Value": {"Fn::Sub": "x-${Stage}"}}}


def test_outputs_fill_the_stage_env_subnets_and_security_group():
    config = stage_config.apply_outputs(stage_config.read_config(REPO), "dev", OUTPUTS)
    block = config["stages"]["dev"]
    assert block["environment_variables"]["BUCKET_NAME"] == "cardstream-dev-landing-123456789012"
    assert block["environment_variables"]["DB_SECRET_ID"] == "cardstream/dev/db-app"
    assert (block["subnet_ids"], block["security_group_ids"]) == (["subnet-a", "subnet-b"], ["sg-1"])


def test_only_the_migrate_function_gets_the_master_secret_name():
    config = stage_config.apply_outputs(stage_config.read_config(REPO), "dev", OUTPUTS)
    assert stage_config.stage_env(config, "dev", "migrate")["DB_ADMIN_SECRET_ID"] == OUTPUTS["DbSecretName"]
    assert "DB_ADMIN_SECRET_ID" not in stage_config.stage_env(config, "dev", "on_raw_file")


def test_writing_outputs_leaves_other_stages_and_top_level_settings_alone():
    before = stage_config.read_config(REPO)
    after = stage_config.apply_outputs(before, "dev", OUTPUTS)
    assert after["stages"]["local"] == before["stages"]["local"]
    assert after["stages"]["prod"] == before["stages"]["prod"]
    assert after["environment_variables"] == before["environment_variables"]


def test_missing_outputs_are_refused_by_name():
    with pytest.raises(ValueError, match="LambdaSecurityGroupId"):
        stage_config.apply_outputs(stage_config.read_config(REPO), "dev",
                                   {k: v for k, v in OUTPUTS.items() if k != "LambdaSecurityGroupId"})


def test_the_config_file_keeps_its_layout_when_written(tmp_path):
    (tmp_path / ".chalice").mkdir()
    original = (REPO / ".chalice" / "config.json").read_text()
    stage_config.write_config(tmp_path, json.loads(original))
    assert (tmp_path / ".chalice" / "config.json").read_text() == original


def test_vendoring_puts_the_ca_bundle_and_migrations_at_the_package_root(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "001_a.sql").write_text("select 1;")
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    assert prepare_vendor(tmp_path, ca) == ["rds-ca-global-bundle.pem", "sql/001_a.sql"]
    assert (tmp_path / CA_BUNDLE_VENDOR_PATH).read_text() == "pem"
    assert (tmp_path / "vendor" / "sql" / "001_a.sql").read_text() == "select 1;"


def test_a_record_age_over_half_the_stream_retention_is_refused_before_any_call():
    import boto3

    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client), pytest.raises(ValueError, match="retention"):  # no call expected
        post_deploy.configure_stream_mapping(client, "uuid", "arn:dlq", {"maximum_retry_attempts": 10,
                                                                          "maximum_record_age_seconds": 43201}, 24)


def test_api_tokens_are_added_for_missing_names_and_existing_ones_kept(aws):
    from chalicelib.platform.clients import get_client

    sm = get_client("secretsmanager")
    sm.create_secret(Name="cardstream/dev/api-tokens", SecretString=json.dumps({"primary": "p" * 48}))
    added = post_deploy.ensure_api_tokens(sm, "cardstream/dev/api-tokens", ["primary", "secondary"])
    tokens = json.loads(sm.get_secret_value(SecretId="cardstream/dev/api-tokens")["SecretString"])
    assert added == ["secondary"] and tokens["primary"] == "p" * 48 and len(tokens["secondary"]) == 48
    assert post_deploy.ensure_api_tokens(sm, "cardstream/dev/api-tokens", ["primary", "secondary"]) == []


def _stubbed_lambda(payload: bytes, function_error: str | None = None):
    import io

    import boto3
    from botocore.response import StreamingBody

    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:cardstream-dev-migrate"
    for _ in range(2):  # function_active_v2, then function_updated_v2
        stub.add_response("get_function", {"Configuration": {"State": "Active", "LastUpdateStatus": "Successful"}},
                          {"FunctionName": arn})
    reply = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
    if function_error:
        reply["FunctionError"] = function_error
    stub.add_response("invoke", reply, {"FunctionName": arn, "Payload": b"{}"})
    return client, stub, {"migrate": {"lambda_arn": arn}}


def test_cloud_migrations_wait_for_the_function_then_invoke_it_once():
    from infra.deploy import run_migrations

    client, stub, resources = _stubbed_lambda(b'{"applied": ["001_schema"], "app_login": "cardstream_app"}')
    with stub:
        done = run_migrations("lambda", {"lambda": client, "lambda_invoke": client}, REPO, "dev", resources, {})
    stub.assert_no_pending_responses()
    assert '"001_schema"' in done


def test_a_failing_migrate_function_stops_the_deploy_with_its_error():
    from infra.deploy import run_migrations

    client, stub, resources = _stubbed_lambda(b'{"errorMessage": "001_schema.sql failed"}', "Unhandled")
    with stub, pytest.raises(RuntimeError, match="001_schema.sql failed"):
        run_migrations("lambda", {"lambda": client, "lambda_invoke": client}, REPO, "dev", resources, {})


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_routes_make_deploy_gives_the_read_function_are_the_app_read_routes(stage):
    from app import app
    from chalicelib.ingest.auth import SCOPE_OF_METHOD

    reads = {f"{m} {path}" for path, methods in app.routes.items() for m, entry in methods.items()
             if entry.authorizer is not None and SCOPE_OF_METHOD.get(m) == "read"}
    assert set(stage_config.load_stage_file(stage)["read_routes"]) == reads


def test_the_read_function_answers_a_proxy_event_as_the_api_function_does(aws):
    from chalice.test import Client

    from app import app

    event = {"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
             "stageVariables": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "requestId": "r1", "stage": "api",
                                "path": "/api/health"}}
    with Client(app, stage_name="test") as client:
        reply = client.lambda_.invoke("read_api", event).payload
    assert reply["statusCode"] == 200 and json.loads(reply["body"])["status"] == "ok"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_functions_that_hold_database_connections_fit_the_budget_in_docs_capacity(stage):
    """Each environment of loader, sweep, migrate and read_api keeps one connection; their reservations are the
    ceiling, and together they leave at least two thirds of max_connections to BI, operators and RDS itself."""
    functions = stage_config.read_config(REPO)["stages"][stage]["lambda_functions"]
    holders = ("on_raw_file", "sweep_raw_files", "migrate", "read_api")
    reserved = sum(functions[name]["reserved_concurrency"] for name in holders)
    max_connections = int(stage_config.load_stage_file(stage)["parameters"]["DbMaxConnections"])
    assert reserved <= max_connections // 3
    policy = json.loads((REPO / ".chalice" / functions["api_handler"]["iam_policy_file"]).read_text())
    assert "db-app" not in json.dumps(policy)  # the API function cannot open a connection at all
