"""Each function's IAM policy (.chalice/policy-<stage>*.json) grants what it uses and nothing beyond.

Three angles: every function has its own file; a battery of probes (every sensitive action on every
resource of the stage, and on a neighbour's) is allowed exactly where the issue's table says; and the real
handlers, run on moto with their AWS calls recorded, make only calls their policy allows.
"""
import json

import pytest

from infra.stage_config import read_config
from tests.support.chalice_package import ACCOUNT, REGION, REPO, allowed_by, granted, package
from tests.support.env import API_TOKENS, TEST_ENV

STAGES = ["dev", "prod"]
FUNCTIONS = ["api_handler", "read_api", "token_authorizer", "on_stream_records", "on_raw_file", "sweep_raw_files",
             "migrate", "enforce_retention", "compact_lake"]


def _policy_file(stage: str, function: str) -> str:
    return read_config(REPO)["stages"][stage]["lambda_functions"][function]["iam_policy_file"]


def _policy(stage: str, function: str) -> dict:
    return json.loads((REPO / ".chalice" / _policy_file(stage, function)).read_text())


def _arns(stage: str, account: str = ACCOUNT) -> dict[str, str]:
    bucket = f"arn:aws:s3:::cardstream-{stage}-landing-{account}"
    secret = f"arn:aws:secretsmanager:{REGION}:{account}:secret:cardstream/{stage}/"
    return {
        "stream": f"arn:aws:kinesis:{REGION}:{account}:stream/cardstream-{stage}",
        "bucket": bucket, "raw": f"{bucket}/raw-data/dt=2019-01-01/hour=00/f.csv",
        "q_stream": f"{bucket}/quarantine/stream/dt=2019-01-01/hour=00/f.jsonl",
        "q_files": f"{bucket}/quarantine/files/raw-data/f.csv", "other_key": f"{bucket}/elsewhere/f.csv",
        "tokens": secret + "api-tokens-Ab12Cd", "card_key": secret + "card-key-Ab12Cd",
        "db": f"arn:aws:secretsmanager:{REGION}:{account}:secret:rds!db-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-Ab12Cd",
        "db_app": secret + "db-app-Ab12Cd",
        "dlq": f"arn:aws:sqs:{REGION}:{account}:cardstream-{stage}-dlq",
        "card_kms": f"arn:aws:kms:{REGION}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    }


def _context(stage: str) -> dict[str, str]:
    """The request context AWS evaluates a call in: KMS through Secrets Manager on the stage's card-key key; the
    tag on the master secret RDS manages for the stage's database."""
    return {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com",
            "kms:ResourceAliases": f"alias/cardstream-{stage}-card-key",
            # RDS tags the master secret it manages with its instance
            "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn":
                f"arn:aws:rds:{REGION}:{ACCOUNT}:db:cardstream-{stage}"}


READ_STREAM = ["kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards",
               "kinesis:GetShardIterator", "kinesis:GetRecords"]
GET = "secretsmanager:GetSecretValue"

# The table: what each function may do, as (action, resource key in _arns).
MAY = {
    # no database login: the routes that read it run in read_api (make deploy points them there)
    "api_handler": {("kinesis:PutRecords", "stream"), (GET, "card_key"), ("kms:Decrypt", "card_kms")},
    "read_api": {(GET, "db_app")},  # the read routes, in their own function (make deploy points them at it)
    "token_authorizer": {(GET, "tokens")},
    "on_stream_records": {*((a, "stream") for a in READ_STREAM), ("s3:PutObject", "raw"),
                          ("s3:PutObject", "q_stream"), ("sqs:SendMessage", "dlq")},
    "on_raw_file": {("s3:GetObject", "raw"), ("s3:PutObject", "q_files"), ("s3:ListBucket", "bucket"),
                    (GET, "db_app"), ("sqs:SendMessage", "dlq")},
    "sweep_raw_files": {("s3:GetObject", "raw"), ("s3:PutObject", "q_files"), ("s3:ListBucket", "bucket"),
                        (GET, "db_app")},
    "migrate": {(GET, "db"), (GET, "db_app")},
    "enforce_retention": {(GET, "db_app")},  # the database only: the lake keeps the rows it deletes
    # Athena reads the raw files and writes the curated table (lake/transactions/) with the caller's rights
    "compact_lake": {("s3:GetObject", "raw"), ("s3:ListBucket", "bucket")},
}
# The compaction talks to Athena and Glue only (no endpoint for them in the VPC, no database): outside the VPC.
OUTSIDE_VPC = {"compact_lake"}
# Actions on resources the probes do not cover: the lake's workgroup, catalog, curated table and query results.
BEYOND_THE_PROBES = {"compact_lake": {
    "athena:StartQueryExecution", "athena:GetQueryExecution", "glue:GetDatabase", "glue:GetTable", "glue:GetTables",
    "glue:CreateTable", "glue:UpdateTable", "glue:GetPartitions", "s3:GetBucketLocation", "s3:PutObject",
    "s3:DeleteObject", "s3:AbortMultipartUpload"}}
PROBE_ACTIONS = {
    "stream": ["kinesis:PutRecords", "kinesis:PutRecord", *READ_STREAM, "kinesis:DeleteStream"],
    "bucket": ["s3:ListBucket", "s3:PutBucketPolicy", "s3:DeleteBucket"],
    **{key: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] for key in ("raw", "q_stream", "q_files", "other_key")},
    **{key: [GET, "secretsmanager:PutSecretValue"] for key in ("tokens", "card_key", "db", "db_app")},
    "dlq": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
    "card_kms": ["kms:Decrypt", "kms:Encrypt", "kms:CreateGrant"],
}


def _probes(stage: str, account: str = ACCOUNT):
    arns = _arns(stage, account)
    for key, actions in PROBE_ACTIONS.items():
        for action in actions:
            yield action, key, arns[key]


def test_every_function_chalice_deploys_has_its_own_policy_file_in_each_stage():
    deployed = set(package("dev").resources("aws_lambda_function"))
    assert deployed <= set(FUNCTIONS), "a new function needs its own policy file and a row in MAY"
    for stage in STAGES:
        files = [_policy_file(stage, f) for f in FUNCTIONS]
        assert len(set(files)) == len(files) and all(f.startswith(f"policy-{stage}") for f in files)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_dev_and_prod_policies_differ_only_in_the_stage_name(function):
    assert json.dumps(_policy("dev", function)).replace("cardstream-dev", "cardstream-prod").replace(
        "cardstream/dev/", "cardstream/prod/").replace("cardstream_dev", "cardstream_prod") == json.dumps(
        _policy("prod", function))  # cardstream_<stage>: the Glue database (no hyphens in its names)


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_is_allowed_exactly_what_the_table_says(stage, function):
    policy = _policy(stage, function)
    wrong = [(action, key) for action, key, arn in _probes(stage)
             if allowed_by(policy, action, arn, _context(stage)) != ((action, key) in MAY[function])]
    assert wrong == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_nothing_is_allowed_on_another_stage_or_account(function):
    policy = _policy("dev", function)
    leaks = [(a, k) for a, k, arn in [*_probes("prod"), *_probes("dev", account="210987654321")]
             if allowed_by(policy, a, arn, _context("prod"))]  # prod's key alias; the other account's ARNs
    assert leaks == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_logs_go_only_to_the_function_own_log_group(function):
    policy = _policy("dev", function)
    own = "cardstream-dev" if function == "api_handler" else f"cardstream-dev-{function}"
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/"
    assert allowed_by(policy, "logs:PutLogEvents", f"{group}{own}:log-stream:2019/01/01/x")
    assert not allowed_by(policy, "logs:PutLogEvents", f"{group}cardstream-dev-elsewhere:log-stream:x")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_wildcard_actions_and_star_resources_only_for_the_vpc_network_interfaces_and_xray(function):
    pairs = granted(_policy("dev", function))
    assert all("*" not in action for action, _ in pairs)
    vpc = set() if function in OUTSIDE_VPC else {
        "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}
    vpc |= {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}  # X-Ray takes no resource-level permissions
    assert {action for action, resource in pairs if resource == "*"} == vpc
    table_actions = {action for action, _ in MAY[function]} | BEYOND_THE_PROBES.get(function, set())
    logs = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    assert {a for a, r in pairs if r != "*"} == table_actions | logs


# ---------------------------------------------------------------- the real handlers' calls, recorded on moto
def _stage_names(stage: str) -> dict[str, dict[str, str]]:
    """Per service, the test stage's names -> the deployed stage's (the policies name those)."""
    config = read_config(REPO)
    env = {**config["environment_variables"], **config["stages"][stage]["environment_variables"]}
    secrets = ("API_TOKENS_SECRET_ID", "CARD_KEY_SECRET_ID", "DB_SECRET_ID")
    return {"kinesis": {TEST_ENV["STREAM_NAME"]: env["STREAM_NAME"]},
            "s3": {TEST_ENV["BUCKET_NAME"]: f"cardstream-{stage}-landing-{ACCOUNT}"},
            "secretsmanager": {TEST_ENV[v]: env[v] for v in secrets}}


def _iam_requests(service: str, operation: str, params: dict, names: dict) -> list[tuple[str, str]]:
    """The IAM action(s) and resource(s) AWS checks for one API call."""
    n = names[service].get
    if service == "kinesis":
        return [(f"kinesis:{operation}", f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{n(params['StreamName'])}")]
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}",
                 f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{n(params['SecretId'])}-Ab12Cd")]
    obj = f"arn:aws:s3:::{n(params.get('Bucket'))}/{params.get('Key')}"
    if operation in ("GetObject", "HeadObject"):
        return [("s3:GetObject", obj)]
    if operation == "PutObject":
        return [("s3:PutObject", obj)]
    if operation == "CopyObject":
        src = params["CopySource"]
        return [("s3:GetObject", f"arn:aws:s3:::{n(src['Bucket'])}/{src['Key']}"), ("s3:PutObject", obj)]
    if operation in ("ListObjectsV2", "ListObjects"):
        return [("s3:ListBucket", f"arn:aws:s3:::{n(params['Bucket'])}")]
    return [(f"{service}:{operation}", "unmapped")]  # fails the check below: map it when it appears


@pytest.fixture
def recorded(aws):
    """(service, operation, params) of every call the app's clients make from here on."""
    from chalicelib.platform.clients import get_client

    calls = []
    for service in ("kinesis", "secretsmanager", "s3"):
        get_client(service).meta.events.register(
            "provide-client-params",
            lambda params, model, **_: calls.append((model.service_model.service_name, model.name, dict(params))))
    return calls


@pytest.fixture
def invoke(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client.lambda_.invoke


def _disallowed(function: str, calls: list) -> list:
    policy, names = _policy("dev", function), _stage_names("dev")
    requests = [req for service, op, params in calls for req in _iam_requests(service, op, params, names)]
    assert requests, "the handler made no AWS call: nothing was checked"
    return [req for req in requests if not allowed_by(policy, *req)]


def test_the_authorizer_calls_only_what_its_policy_allows(recorded, invoke):
    method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1/api/POST/transactions"
    reply = invoke("token_authorizer", {"type": "TOKEN", "methodArn": method_arn,
                                        "authorizationToken": f"Bearer {API_TOKENS['merchant-a']}"})
    assert reply.payload["principalId"] == "merchant-a"
    assert _disallowed("token_authorizer", recorded) == []


def test_the_api_function_calls_only_what_its_policy_allows(recorded, aws):
    from chalice.test import LambdaContext

    from app import app
    from tests.support.factories import make_transaction

    recorded.clear()
    event = {"resource": "/transactions", "path": "/transactions", "httpMethod": "POST",
             "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
             "stageVariables": None, "body": json.dumps(make_transaction()), "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/transactions", "httpMethod": "POST", "requestId": "r1",
                                "stage": "api", "path": "/api/transactions", "authorizer": {"principalId": "p"}}}
    reply = app(event, LambdaContext("api_handler", 512))  # API Gateway has already run the authorizer
    assert reply["statusCode"] == 202
    assert _disallowed("api_handler", recorded) == []


def test_the_batcher_calls_only_what_its_policy_allows(recorded, invoke):
    from tests.support.kinesis_events import kinesis_event, kinesis_record, stream_record

    event = kinesis_event([stream_record(), stream_record(trans_num="t2")])
    event["Records"].append(kinesis_record("bm90IGpzb24=", 9))  # "not json": quarantined
    invoke("on_stream_records", event)
    written = [params["Key"].split("/", 1)[0] for _, op, params in recorded if op == "PutObject"]
    assert sorted(set(written)) == ["quarantine", "raw-data"]  # both kinds of write were exercised
    assert _disallowed("on_stream_records", recorded) == []


@pytest.fixture
def app_login_secret(aws):
    """A stand-in PostgreSQL, migrated, with the functions' login; the test stage's DB secret points at it."""
    import psycopg2

    from chalicelib.platform.clients import get_client
    from chalicelib.platform.dbsetup import setup_database
    from tests.support.chalice_package import stand_in_database

    with stand_in_database() as (target, dsn):
        login = {**target, "username": "cardstream_app", "password": "stand-in-" + "x" * 16}
        conn = psycopg2.connect(dsn)
        try:
            setup_database(conn, login)
        finally:
            conn.close()
        get_client("secretsmanager").create_secret(Name=TEST_ENV["DB_SECRET_ID"], SecretString=json.dumps(login))
        yield
        from chalicelib import runtime

        runtime.database().close()  # before the database is dropped


def test_the_loader_and_the_sweep_call_only_what_their_policies_allow(app_login_secret, recorded, invoke):
    from chalice.test import Client

    from app import app
    from chalicelib.platform.clients import get_client
    from tests.support.kinesis_events import kinesis_event, stream_record

    assert {"on_raw_file", "sweep_raw_files"} <= set(app.handler_map)
    invoke("on_stream_records", kinesis_event([stream_record(), stream_record(trans_num="t2")]))
    s3 = get_client("s3")
    good = s3.list_objects_v2(Bucket=TEST_ENV["BUCKET_NAME"], Prefix="raw-data/")["Contents"][0]["Key"]
    bad = "raw-data/dt=2019-01-01/hour=00/not-a-csv.csv"
    s3.put_object(Bucket=TEST_ENV["BUCKET_NAME"], Key=bad, Body=b"\x00\x01 not the header\n")
    recorded.clear()
    with Client(app, stage_name="test") as client:
        for key in (good, bad):  # one loads, one is rejected and copied to quarantine/files/
            invoke("on_raw_file", client.events.generate_s3_event(bucket=TEST_ENV["BUCKET_NAME"], key=key))
    assert {op for _, op, _ in recorded} >= {"GetObject", "CopyObject", "GetSecretValue"}
    assert _disallowed("on_raw_file", recorded) == []
    recorded.clear()
    invoke("sweep_raw_files", {"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
                               "account": ACCOUNT, "time": "2019-01-01T01:00:00Z", "region": REGION,
                               "resources": [], "detail": {}})
    assert "ListObjectsV2" in {op for _, op, _ in recorded}
    assert _disallowed("sweep_raw_files", recorded) == []
