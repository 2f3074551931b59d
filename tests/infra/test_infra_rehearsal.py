"""`make deploy` / `make destroy` rehearsed against moto in server mode (infra/rehearse.py), then checked
through the AWS APIs: the real deploy script runs, in four rounds (create, update, destroy, redeploy).

The stand-in for RDS is a real local PostgreSQL: the stack's secret attachment points the DB secrets at it,
so the migrations and the functions' login go through the loader's connection path (the secrets).
"""
import json

import psycopg2
import pytest

from chalicelib.ingest.auth import MIN_TOKEN_CHARS
from chalicelib.ingest.cards import CardTokenizer
from infra.rehearse import ACCOUNT, rehearse
from infra.stage_config import stage_env
from tests.support.chalice_package import DEPLOYMENTS_CACHE, stand_in_database

STAGE = "dev"
P = f"cardstream-{STAGE}"


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    with stand_in_database() as (target, check_dsn):
        report = rehearse(tmp_path_factory.mktemp("rehearsal"), DEPLOYMENTS_CACHE, target)
        conn = psycopg2.connect(check_dsn)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT name FROM schema_migrations ORDER BY name")
                report["migrations"] = [row[0] for row in cur.fetchall()]
                cur.execute("SELECT r.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
                            "JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'cardstream_app'")
                report["app_login_groups"] = [row[1] for row in cur.fetchall()]
                cur.execute("SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname='cardstream_app'")
                report["app_login"] = cur.fetchone()
        finally:
            conn.close()
    return report


def _round(rehearsal, name):
    run = rehearsal["rounds"][name]
    assert run["exit_code"] == 0, run["tail"]
    return run


def _facts(rehearsal, name="create"):
    return _round(rehearsal, name)["facts"]


def _fn(rehearsal, name, round_name="create"):
    functions = _facts(rehearsal, round_name)["functions"]
    full = P if name == "api_handler" else f"{P}-{name}"
    assert full in functions, f"the deploy made no {full} function (app.py's {name})"
    return functions[full]


def test_every_round_of_the_deploy_script_succeeds(rehearsal):
    assert {name: run["exit_code"] for name, run in rehearsal["rounds"].items()} == \
        {"create": 0, "update": 0, "destroy": 0, "redeploy": 0}


def test_deploy_ends_by_printing_the_url_of_the_api_it_deployed(rehearsal):
    run = _round(rehearsal, "create")
    printed = json.loads(run["tail"].strip().splitlines()[-1])["api_url"]
    (api,) = run["facts"]["apis"]
    assert printed.startswith(f"https://{api['id']}.execute-api.") and printed.endswith("/api/")


def test_the_stage_config_gets_the_stack_outputs(rehearsal):
    run = _round(rehearsal, "create")
    outputs, block = run["facts"]["stack"]["outputs"], run["config"]["stages"][STAGE]
    env = stage_env(run["config"], STAGE)
    assert env["BUCKET_NAME"] == outputs["LandingBucketName"] == f"{P}-landing-{ACCOUNT}"
    assert (env["STREAM_NAME"], env["DB_SECRET_ID"]) == (outputs["StreamName"], outputs["DbAppSecretName"])
    assert block["subnet_ids"] == outputs["LambdaSubnetIds"].split(",")
    assert block["security_group_ids"] == [outputs["LambdaSecurityGroupId"]]
    assert run["config"]["stages"]["local"] == rehearsal["rounds"]["create"]["config"]["stages"]["local"]


def test_every_function_runs_in_the_stack_private_subnets_with_the_lambda_group(rehearsal):
    facts = _facts(rehearsal)
    outputs = facts["stack"]["outputs"]
    expected = {"subnets": sorted(outputs["LambdaSubnetIds"].split(",")),
                "security_groups": [outputs["LambdaSecurityGroupId"]]}
    outside = {f"{P}-compact_lake": {"subnets": [], "security_groups": []}}  # Athena and Glue only: no VPC
    assert facts["functions"] and all(fn["vpc"] == outside.get(name, expected)
                                      for name, fn in facts["functions"].items())


def test_each_function_role_holds_exactly_its_policy_file(rehearsal):
    config = _round(rehearsal, "create")["config"]["stages"][STAGE]["lambda_functions"]
    project = rehearsal["project"]
    for full, fn in _facts(rehearsal)["functions"].items():
        name = "api_handler" if full == P else full.removeprefix(P + "-")
        with open(f"{project}/.chalice/{config[name]['iam_policy_file']}") as f:
            assert list(fn["role_policies"].values()) == [json.load(f)], name
        assert fn["role"] == f"{P}-{name}"


def test_loader_reads_sweep_and_migrate_run_with_reserved_concurrency(rehearsal):
    for name, wanted in (("on_raw_file", 10), ("read_api", 5), ("sweep_raw_files", 1), ("migrate", 1),
                         ("enforce_retention", 1), ("compact_lake", 1)):
        assert _fn(rehearsal, name)["reserved_concurrency"] == wanted, name


def test_kinesis_mapping_has_chalice_wiring_and_the_post_deploy_failure_handling(rehearsal):
    facts = _facts(rehearsal)
    (mapping,) = facts["event_source_mappings"]
    assert mapping["EventSourceArn"] == facts["stack"]["outputs"]["StreamArn"]
    assert mapping["FunctionArn"].endswith(f":function:{P}-on_stream_records")
    assert (mapping["StartingPosition"], mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == \
        ("TRIM_HORIZON", 500, 2)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert (mapping["MaximumRetryAttempts"], mapping["MaximumRecordAgeInSeconds"]) == (10000, 21600)
    dlq = facts["stack"]["outputs"]["DeadLetterQueueArn"]
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": dlq}}


def test_loader_async_invocations_give_up_to_the_dead_letter_queue(rehearsal):
    loader = _fn(rehearsal, "on_raw_file")
    dlq = _facts(rehearsal)["stack"]["outputs"]["DeadLetterQueueArn"]
    assert loader["async_invoke"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600,
                                      "DestinationConfig": {"OnFailure": {"Destination": dlq}}}


def test_landing_bucket_notifies_the_loader_of_objects_created_under_raw_data(rehearsal):
    loader = _fn(rehearsal, "on_raw_file")
    assert loader  # exists
    (config,) = _facts(rehearsal)["bucket_notification"]["lambda"]
    assert config["LambdaFunctionArn"].endswith(f":function:{P}-on_raw_file")
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "raw-data/"}]


def test_sweep_retention_and_compaction_run_on_schedules(rehearsal):
    for name in ("sweep_raw_files", "enforce_retention", "compact_lake"):
        _fn(rehearsal, name)
    rules = _facts(rehearsal)["rules"]
    assert len(rules) == 3 and all(rule["schedule"].startswith("rate(") for rule in rules)


def test_api_routes_reach_the_api_function_and_reads_the_read_function_by_lambda_proxy_on_stage_api(rehearsal):
    (api,) = _facts(rehearsal)["apis"]
    assert api["stages"] == ["api"]
    assert {"GET /health", "POST /transactions"} <= set(api["methods"])
    reads = {"GET /transactions/{trans_num}", "GET /alerts"}
    targets = {route: (m["type"].lower(), m["uri"].split("function:")[1]) for route, m in api["methods"].items()}
    assert {targets[r] for r in reads} == {("aws_proxy", f"{P}-read_api/invocations")}
    assert {t for r, t in targets.items() if r not in reads} == {("aws_proxy", f"{P}/invocations")}


def test_gateway_errors_for_unknown_routes_answer_a_fixed_body_that_cannot_quote_the_token(rehearsal):
    (api,) = _facts(rehearsal)["apis"]
    responses = api["gateway_responses"]
    for response_type in ("MISSING_AUTHENTICATION_TOKEN", "INCOMPLETE_SIGNATURE", "INVALID_SIGNATURE"):
        body = responses[response_type]["templates"]["application/json"]
        assert "$" not in body and json.loads(body)["message"], response_type
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["status"] == "404"


def test_generated_secrets_are_what_the_app_expects(rehearsal):
    secrets = _facts(rehearsal)["secrets"]
    assert CardTokenizer.from_secret(secrets["card-key"])  # 32 bytes of hex
    assert set(secrets["api-tokens"]) == {"primary", "secondary"}
    assert all(len(token) >= MIN_TOKEN_CHARS for token in secrets["api-tokens"].values())
    assert {"host", "port", "username", "password", "dbname"} <= set(secrets["db-app"] or {"missing": 1})
    # the master login: the secret RDS makes and rotates, holding the login only
    assert secrets["db"]["username"] == "cardstream_admin" and secrets["db"]["password"]
    assert _facts(rehearsal)["stack"]["outputs"]["DbSecretName"].split(":secret:")[1].startswith("rds!db-")


def test_migrations_and_the_functions_login_go_through_the_db_secrets(rehearsal):
    assert rehearsal["migrations"] and rehearsal["migrations"][0].startswith("001_")
    assert sorted(rehearsal["app_login_groups"]) == ["cardstream_loader", "cardstream_retention"]
    assert rehearsal["app_login"] == (True, False, False)  # can log in; neither superuser nor role maker


def test_a_second_deploy_updates_in_place_and_keeps_tokens_and_key(rehearsal):
    create, update = _facts(rehearsal, "create"), _facts(rehearsal, "update")
    assert update["stack"]["status"] == "UPDATE_COMPLETE"
    assert update["secrets"]["api-tokens"] == create["secrets"]["api-tokens"]
    assert update["secrets"]["card-key"] == create["secrets"]["card-key"]
    assert set(update["functions"]) == set(create["functions"])
    assert [a["id"] for a in update["apis"]] == [a["id"] for a in create["apis"]]


def test_destroy_removes_app_and_stack_and_keeps_the_data(rehearsal):
    gone = _facts(rehearsal, "destroy")
    assert (gone["stack"], gone["functions"], gone["apis"], gone["event_source_mappings"]) == (None, {}, [], [])
    assert {f"{P}-landing-{ACCOUNT}", f"{P}-access-logs-{ACCOUNT}"} <= set(gone["buckets"])
    assert gone["secrets"]["card-key"] == _facts(rehearsal)["secrets"]["card-key"]
    assert gone["secrets"]["api-tokens"] is None and gone["rds_managed_secrets"] == []


def test_redeploy_after_destroy_adopts_the_kept_buckets_and_card_key(rehearsal):
    again = _facts(rehearsal, "redeploy")
    assert {k: v for k, v in again["stack"]["parameters"].items() if k.startswith("Adopt")} == \
        {"AdoptLandingBucket": "true", "AdoptAccessLogBucket": "true", "AdoptCardKeySecret": "true"}
    assert again["secrets"]["card-key"] == _facts(rehearsal)["secrets"]["card-key"]
    assert set(again["functions"]) == set(_facts(rehearsal)["functions"])


# ---------------------------------------------------------------- a team: two checkouts, one stage (issue 16)
def test_the_account_set_up_makes_the_state_bucket_and_the_two_deploy_roles(rehearsal):
    assert rehearsal["account"]["exit_code"] == 0, rehearsal["account"]["tail"]
    outputs = json.loads(rehearsal["account"]["tail"][rehearsal["account"]["tail"].index("{"):])
    assert outputs["DeployStateBucketName"] == f"cardstream-deploy-state-{ACCOUNT}-us-east-1"
    assert outputs["DevDeployRoleArn"].endswith(":role/cardstream-deploy-dev")


def test_a_second_checkout_updates_the_same_api_through_the_shared_state(rehearsal):
    create, update = _round(rehearsal, "create"), _round(rehearsal, "update")
    assert (create["checkout"], update["checkout"]) == ("a", "b")
    assert [a["id"] for a in update["facts"]["apis"]] == [a["id"] for a in create["facts"]["apis"]]
    assert len(update["facts"]["event_source_mappings"]) == 1  # not a second mapping, no conflict
    state = update["facts"]["deploy_state"]
    assert state["keys"] == [f"{STAGE}/deployed.json"]  # and no lock left behind
    rest_api = next(r for r in state["deployed"][f"{STAGE}/deployed.json"]["resources"] if r["name"] == "rest_api")
    assert rest_api["rest_api_id"] == create["facts"]["apis"][0]["id"]


def test_the_second_checkout_destroy_removes_the_app_and_the_stack_and_empties_the_shared_state(rehearsal):
    destroy = _round(rehearsal, "destroy")
    assert destroy["checkout"] == "b"
    gone = destroy["facts"]
    assert (gone["functions"], gone["apis"], gone["stack"]) == ({}, [], None)
    state = gone["deploy_state"]
    assert state["keys"] == [f"{STAGE}/deployed.json"]  # no lock left behind
    assert state["deployed"][f"{STAGE}/deployed.json"]["resources"] == []  # checkout A's older state is void


def test_the_first_checkout_redeploys_from_the_shared_state_after_the_other_destroyed(rehearsal):
    again = _round(rehearsal, "redeploy")
    assert again["checkout"] == "a" and len(again["facts"]["apis"]) == 1
    assert "deploy state: empty (destroyed): starting afresh" in again["tail"]
    assert again["facts"]["deploy_state"]["keys"] == [f"{STAGE}/deployed.json"]


def test_the_preflight_runs_first_and_places_the_subnets_in_checked_zones_kept_across_deploys(rehearsal):
    log = _round(rehearsal, "create")["tail"]
    assert log.index("0/6 preflight") < log.index("1/6 stack")
    assert "zones: use1-az1 (us-east-1b), use1-az2 (us-east-1c)" in log
    for name in ("create", "update"):
        params = _facts(rehearsal, name)["stack"]["parameters"]
        assert (params["AvailabilityZone1"], params["AvailabilityZone2"]) == ("us-east-1b", "us-east-1c")
    assert "the stack's subnets, kept" in _round(rehearsal, "update")["tail"]


def test_the_api_stage_is_throttled_and_behind_the_stack_web_acl(rehearsal):
    (api,) = _facts(rehearsal)["apis"]
    settings = api["method_settings"]["api"]
    assert (settings["*/*"]["throttlingRateLimit"], settings["*/*"]["throttlingBurstLimit"]) == (50.0, 100)
    for read in ("~1alerts/GET", "~1transactions~1{trans_num}/GET"):  # within read_api's 5 environments
        assert (settings[read]["throttlingRateLimit"], settings[read]["throttlingBurstLimit"]) == (50.0, 5)
    assert api["web_acls"] == {"api": f"{P}-api"}


def test_the_card_key_secret_is_encrypted_with_its_own_key_kept_with_it(rehearsal):
    made, kept = _facts(rehearsal)["card_key_encryption"], _facts(rehearsal, "redeploy")["card_key_encryption"]
    assert made["key_state"] == "Enabled"
    sids = {st["Sid"] for st in made["key_policy"]["Statement"]}
    assert "OnlyTheApiFunctionDecrypts" in sids
    assert kept["key_id"] == made["key_id"] and kept["key_state"] == "Enabled"  # a destroy kept both


def test_the_stack_creates_the_lake_catalog_workgroup_and_tile_queries_and_destroy_removes_them(rehearsal):
    from chalicelib.lake.statements import RAW_TABLE, TILES

    lake = _facts(rehearsal)["lake"]
    assert lake["tables"] == [RAW_TABLE]  # the curated table and the views: made by the first compaction
    assert lake["workgroup"]["EnforceWorkGroupConfiguration"] is True
    assert int(lake["workgroup"]["BytesScannedCutoffPerQuery"]) > 0
    assert lake["named_queries"] == sorted(f"{P}-tile-{t.replace('_', '-')}" for t in TILES)
    assert _facts(rehearsal, "destroy")["lake"] == {"tables": None, "workgroup": None, "named_queries": []}
    assert _facts(rehearsal, "redeploy")["lake"] == lake


def test_the_stack_creates_the_alarms_the_dashboard_and_the_log_retention(rehearsal):
    from infra.stack import load_template

    facts = _facts(rehearsal)
    resources = load_template()["Resources"].values()
    alarms = {r["Properties"]["AlarmName"]["Fn::Sub"].replace("${Stage}", STAGE) for r in resources
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(facts["alarms"]) >= alarms
    assert facts["dashboards"] == [P]
    kept = {name: days for name, days in facts["log_groups"].items() if name.startswith(("/aws/lambda/", "/aws/rds/"))}
    assert kept[f"/aws/lambda/{P}-on_raw_file"] == 30 and kept[f"/aws/rds/instance/{P}/postgresql"] == 30
    assert set(kept.values()) == {30}
