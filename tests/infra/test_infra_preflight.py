"""`make deploy`'s preflight (infra/preflight.py) and its shared deploy state (infra/deploy_state.py).

The checks fail before anything exists, with the fix in the message; the state's lock lets one deploy of a
stage run at a time, whichever checkout or CI run starts it.
"""
import json
import subprocess
import sys
import time

import boto3
import pytest
from botocore.stub import Stubber

from infra import deploy_state, preflight
from infra.moto_fixes import RehearsalServer
from infra.rehearse import _env, copy_project
from infra.stage_config import read_config
from tests.support.chalice_package import REPO
from tests.support.env import stage_env

BUCKET = "cardstream-deploy-state-123456789012-us-east-1"


def test_a_python_other_than_the_lambda_runtime_is_refused_with_the_fix():
    with pytest.raises(preflight.PreflightFailed, match=r"Python 3\.12.*python3\.11.*PYTHON=python3\.11"):
        preflight.check_python((3, 12))
    assert "python3.11" in preflight.check_python((3, 11))


def test_prod_without_an_alarm_email_is_refused_and_dev_is_not():
    with pytest.raises(preflight.PreflightFailed, match="AlarmEmail=ops@example.com"):
        preflight.check_alarm_email("prod", {"AlarmEmail": ""})
    assert "ops@x.org" in preflight.check_alarm_email("prod", {"AlarmEmail": "ops@x.org"})
    preflight.check_alarm_email("dev", {})


def test_an_az_without_lambda_is_refused_by_id_and_the_usable_ones_are_named(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(preflight.PreflightFailed, match=r"use1-az3: no lambda.*use1-az1, use1-az2") as failed:
        preflight.choose_zones(ec2, "us-east-1", ["use1-az3", "use1-az1"])
    assert "use1-az1:" not in str(failed.value)  # only the bad one is blamed


def test_without_az_ids_the_first_two_usable_zones_by_id_are_chosen(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    names, line = preflight.choose_zones(ec2, "us-east-1", None)
    assert names == ["us-east-1b", "us-east-1c"] and "use1-az1" in line and "use1-az3" not in line


def _lambda_with_quota(quota: int, unreserved: int, held: dict[str, int]):
    client = boto3.client("lambda", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response("get_account_settings", {"AccountLimit": {"ConcurrentExecutions": quota,
                                                                "UnreservedConcurrentExecutions": unreserved}})
    for name in preflight.reserved_by_stage(read_config(REPO), "dev"):
        if name in held:
            stub.add_response("get_function_concurrency", {"ReservedConcurrentExecutions": held[name]})
        else:
            stub.add_client_error("get_function_concurrency", "ResourceNotFoundException", http_status_code=404)
    return client, stub


def test_a_quota_too_small_for_the_stage_reservations_names_the_quota_code_and_the_value_to_ask_for():
    client, stub = _lambda_with_quota(10, 10, {})
    with stub, pytest.raises(preflight.PreflightFailed) as failed:
        preflight.check_concurrency(client, read_config(REPO), "dev")
    wanted = sum(preflight.reserved_by_stage(read_config(REPO), "dev").values())
    assert "L-B99A9384" in str(failed.value) and f"--desired-value {wanted + 100}" in str(failed.value)


def test_an_update_counts_what_the_stage_functions_already_reserve():
    config = read_config(REPO)
    held = preflight.reserved_by_stage(config, "dev")
    client, stub = _lambda_with_quota(112, 100, held)  # exactly the stage's own reservations, already made
    with stub:
        assert "100 left unreserved" in preflight.check_concurrency(client, config, "dev")


def test_deploy_stops_in_seconds_on_a_moto_account_with_a_low_concurrency_quota(tmp_path):
    project = copy_project(tmp_path / "project", None)
    with stage_env(MOTO_LAMBDA_CONCURRENCY_QUOTA="10"), RehearsalServer() as server:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "infra.deploy", "deploy", "--stage", "dev", "--project-dir",
                               str(project)], cwd=REPO, env=_env(server.endpoint_url), capture_output=True,
                              text=True, timeout=120, check=False)
        cfn = boto3.client("cloudformation", endpoint_url=server.endpoint_url, region_name="us-east-1")
        stacks = cfn.list_stacks()["StackSummaries"]
    assert done.returncode != 0 and time.monotonic() - started < 60
    assert "L-B99A9384" in done.stderr + done.stdout and "quota is 10" in done.stderr + done.stdout
    assert stacks == []  # nothing was created


# ---------------------------------------------------------------- the shared state and its lock
@pytest.fixture
def s3(aws):
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_a_second_deploy_of_the_stage_is_refused_while_the_first_holds_the_lock(s3):
    deploy_state.acquire(s3, BUCKET, "dev", "alice@laptop")
    with pytest.raises(deploy_state.DeployLocked, match=r"alice@laptop since .*infra.deploy unlock --stage dev"):
        deploy_state.acquire(s3, BUCKET, "dev", "GitHub Actions run 7")
    deploy_state.acquire(s3, BUCKET, "prod", "GitHub Actions run 7")  # another stage has its own lock
    deploy_state.release(s3, BUCKET, "dev")
    deploy_state.acquire(s3, BUCKET, "dev", "GitHub Actions run 7")


def test_the_bucket_state_replaces_the_local_file_and_an_empty_one_removes_it(s3, tmp_path):
    local = tmp_path / ".chalice" / "deployed" / "dev.json"
    local.parent.mkdir(parents=True)
    s3.put_object(Bucket=BUCKET, Key="dev/deployed.json", Body=b'{"resources": [{"name": "rest_api"}]}')
    assert deploy_state.pull(s3, BUCKET, "dev", tmp_path) == "pulled"
    assert json.loads(local.read_text())["resources"] == [{"name": "rest_api"}]
    s3.put_object(Bucket=BUCKET, Key="dev/deployed.json", Body=deploy_state.EMPTY_STATE)  # someone destroyed it
    assert deploy_state.pull(s3, BUCKET, "dev", tmp_path).startswith("empty") and not local.exists()


def test_a_stage_deployed_before_the_bucket_existed_keeps_its_local_state_for_the_first_shared_deploy(s3, tmp_path):
    local = tmp_path / ".chalice" / "deployed" / "dev.json"
    local.parent.mkdir(parents=True)
    local.write_text('{"resources": [{"name": "rest_api"}]}')
    assert deploy_state.pull(s3, BUCKET, "dev", tmp_path).startswith("kept")
    assert deploy_state.push(s3, BUCKET, "dev", tmp_path) is True  # from now on the bucket holds it
    assert s3.get_object(Bucket=BUCKET, Key="dev/deployed.json")["Body"].read() == local.read_bytes()


def test_a_state_chalice_emptied_is_written_back_empty(s3, tmp_path):
    local = tmp_path / ".chalice" / "deployed" / "dev.json"
    local.parent.mkdir(parents=True)
    local.write_text('{"resources": []}')  # what `chalice delete` leaves
    assert deploy_state.push(s3, BUCKET, "dev", tmp_path) is False
    local.unlink()
    assert deploy_state.push(s3, BUCKET, "dev", tmp_path) is False
    assert s3.get_object(Bucket=BUCKET, Key="dev/deployed.json")["Body"].read() == deploy_state.EMPTY_STATE


def test_a_failed_deploy_still_writes_its_state_back_and_frees_the_lock(s3, tmp_path):
    local = tmp_path / ".chalice" / "deployed" / "dev.json"
    with pytest.raises(RuntimeError, match="chalice failed"), \
            deploy_state.shared_state(s3, BUCKET, "dev", tmp_path, "alice@laptop"):
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text('{"resources": [{"name": "half-made"}]}')  # what chalice recorded before failing
        raise RuntimeError("chalice failed")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == ["dev/deployed.json"]


def test_without_the_account_set_up_the_deploy_says_how_to_run_it(aws):
    with pytest.raises(deploy_state.NoStateBucket, match="make account-setup GITHUB_REPO=owner/name"):
        deploy_state.check_bucket(boto3.client("s3", region_name="us-east-1"), BUCKET)


# ---------------------------------------------------------------- the rehearsal's moto models, version-guarded
def _in_a_fresh_python(script: str) -> None:
    """Runs `script` in its own interpreter (moto's model map is process-wide); fails with its output."""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout


def test_the_hardening_models_register_on_the_locked_moto_and_replace_its_kms_and_rds_models():
    script = ("from infra import moto_cfn_security\nassert moto_cfn_security.register_security_models(say=print)\n"
              "from moto.cloudformation import parsing\nm = parsing.get_model_map()\n"
              "assert m['AWS::WAFv2::WebACL'].__module__ == 'infra.moto_cfn_security_models'\n"
              "assert m['AWS::KMS::Key'].__module__ == m['AWS::RDS::DBInstance'].__module__ == m['AWS::WAFv2::WebACL']"
              ".__module__\n")
    _in_a_fresh_python(script)


def test_on_an_unproven_moto_the_hardening_models_stay_off_after_one_warning():
    script = ("import sys\nfrom infra import moto_cfn_security\nsaid = []\n"
              "assert moto_cfn_security.register_security_models('5.99.0', said.append) is False\n"
              "assert len(said) == 1 and 'moto_cfn_security.py' in said[0], said\n"
              "assert 'infra.moto_cfn_security_models' not in sys.modules\n"
              "from moto.cloudformation import parsing\n"
              "assert parsing.get_model_map()['AWS::KMS::Key'].__module__ == 'moto.kms.models'\n")
    _in_a_fresh_python(script)
