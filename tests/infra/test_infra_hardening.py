"""Issue 16's hardening, read from the templates and workflows: the card key's own KMS key, the web ACL, the
budget, prod's alarm e-mail, the account set-up's OIDC roles; checkov and actionlint run on them here."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.stack import load_template
from tests.support.chalice_package import REPO

T = load_template()
RES = T["Resources"]
ACCOUNT_T = load_template(REPO / "infra" / "account.yaml")
WORKFLOWS = REPO / ".github" / "workflows"
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
BASELINE = REPO / "infra" / "checkov-baseline.json"
API_ROLE = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cardstream-${Stage}-api_handler"


def _statements(policy: dict) -> dict[str, dict]:
    return {st["Sid"]: st for st in policy["Statement"]}


def test_the_card_key_secret_has_its_own_kms_key_that_only_the_api_function_can_decrypt_with():
    assert RES["CardKeySecret"]["Properties"]["KmsKeyId"] == {"Ref": "CardKeyKmsKey"}
    key = RES["CardKeyKmsKey"]
    assert (key["DeletionPolicy"], key["Properties"]["EnableKeyRotation"]) == ("Retain", True)
    statements = _statements(key["Properties"]["KeyPolicy"])
    decrypting = {sid for sid, st in statements.items()
                  if any(a in ("kms:Decrypt", "kms:*", "kms:Decrypt*") for a in
                         ([st["Action"]] if isinstance(st["Action"], str) else st["Action"]))}
    assert decrypting == {"OnlyTheApiFunctionDecrypts"}
    only = statements["OnlyTheApiFunctionDecrypts"]["Condition"]
    assert only["ArnEquals"]["aws:PrincipalArn"] == {"Fn::Sub": API_ROLE}
    assert only["StringEquals"]["kms:ViaService"] == {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}


def test_the_card_key_secret_refuses_every_reader_but_the_api_function():
    (st,) = RES["CardKeySecretPolicy"]["Properties"]["ResourcePolicy"]["Statement"]
    assert (st["Effect"], st["Principal"], st["Action"]) == ("Deny", "*", "secretsmanager:GetSecretValue")
    assert st["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::Sub": API_ROLE}}}


def test_the_web_acl_limits_each_ip_and_runs_the_aws_common_rules_with_metrics_of_its_own():
    acl = RES["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert rules["rate-per-ip"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rules["aws-common"]["Statement"]["ManagedRuleGroupStatement"]["Name"] == "AWSManagedRulesCommonRuleSet"
    assert all(r["VisibilityConfig"]["CloudWatchMetricsEnabled"] for r in rules.values())
    # batches are larger than the common set's 8 KB body rule: that one rule only counts
    overrides = rules["aws-common"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert overrides == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    redacted = RES["ApiWebAclLogging"]["Properties"]["RedactedFields"]
    assert {"SingleHeader": {"Name": "authorization"}} in redacted


def test_the_budget_alerts_the_alarm_topic_at_80_and_100_percent_of_the_stage_monthly_limit():
    budget = RES["StageBudget"]["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": {"Ref": "MonthlyBudgetUsd"}, "Unit": "USD"}
    assert budget["Budget"]["TimeUnit"] == "MONTHLY"
    alerts = {(n["Notification"]["Threshold"], n["Notification"]["NotificationType"]):
              n["Subscribers"] for n in budget["NotificationsWithSubscribers"]}
    assert set(alerts) == {(80, "ACTUAL"), (100, "ACTUAL")}
    assert all(s == [{"SubscriptionType": "SNS", "Address": {"Ref": "AlarmTopic"}}] for s in alerts.values())
    publishers = _statements(RES["AlarmTopicPolicy"]["Properties"]["PolicyDocument"])["AlarmsAndBudgetsPublish"]
    assert "budgets.amazonaws.com" in publishers["Principal"]["Service"]


def test_prod_cannot_be_created_without_an_alarm_email():
    rule = T["Rules"]["ProdNeedsAnAlarmEmail"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_stage_file_sets_its_budget_waf_rate_and_api_throttling(stage):
    spec = json.loads((REPO / "infra" / f"stage-{stage}.json").read_text())
    assert int(spec["parameters"]["MonthlyBudgetUsd"]) > 0
    assert int(spec["parameters"]["ApiRateLimitPer5MinPerIp"]) >= 100
    limits = spec["api_throttling"]
    assert 0 < limits["rate_limit"] <= limits["burst_limit"]
    # reads: no burst beyond what read_api's reserved environments take at once, no rate above the stage's
    reserved = json.loads((REPO / ".chalice" / "config.json").read_text())["stages"][stage]["lambda_functions"][
        "read_api"]["reserved_concurrency"]
    assert 0 < limits["read_burst_limit"] <= reserved and limits["read_rate_limit"] <= limits["rate_limit"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_deploy_role_trusts_only_this_repository_environment_of_its_stage(stage):
    role = ACCOUNT_T["Resources"][f"{stage.title()}DeployRole"]["Properties"]
    (st,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert st["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert st["Condition"] == {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": {"Fn::Sub": f"repo:${{GitHubRepository}}:environment:{stage}"}}}


def test_the_deploy_state_bucket_is_versioned_encrypted_private_tls_only_and_kept():
    bucket = ACCOUNT_T["Resources"]["DeployStateBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain" and props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert all(props["PublicAccessBlockConfiguration"].values())
    (tls,) = ACCOUNT_T["Resources"]["DeployStateBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cfn_lint_finds_no_errors_in_the_account_template():
    from cfnlint.api import lint_file

    assert [f"{m.rule.id} {m.message}" for m in lint_file(REPO / "infra" / "account.yaml")
            if m.rule.severity == "error"] == []


# ---------------------------------------------------------------- checkov
def _findings(report: dict) -> set[tuple[str, str, str]]:
    return {(f["file_path"].lstrip("/").removeprefix("infra/"), f["resource"], f["check_id"])
            for f in report["results"]["failed_checks"]}


@pytest.fixture(scope="module")
def checkov_failures():
    assert CHECKOV.exists(), "checkov lives in .venv-checkov: `make test` (or make lint-infra) builds it"
    done = subprocess.run([str(CHECKOV), "--quiet", "--skip-download", "--framework", "cloudformation",
                           "-o", "json", "-f", "infra/cloudformation.yaml", "-f", "infra/account.yaml"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    reports = json.loads(done.stdout)
    return set().union(*(_findings(r) for r in (reports if isinstance(reports, list) else [reports])))


def _baseline() -> dict[tuple[str, str, str], str]:
    out = {}
    for entry in json.loads(BASELINE.read_text())["failed_checks"]:
        for finding in entry["findings"]:
            for check in finding["check_ids"]:
                out[(entry["file"].removeprefix("/infra/"), finding["resource"], check)] = finding.get("reason", "")
    return out


def test_checkov_fails_nothing_outside_the_baseline(checkov_failures):
    assert sorted(checkov_failures - set(_baseline())) == []


def test_every_baseline_entry_still_fails_and_says_why_it_does_not_apply(checkov_failures):
    baseline = _baseline()
    assert sorted(set(baseline) - checkov_failures) == []  # a fixed check leaves the baseline
    assert [key for key, reason in baseline.items() if len(reason) < 40] == []


# ---------------------------------------------------------------- GitHub Actions
def test_actionlint_finds_nothing_in_the_workflows():
    actionlint = Path(sys.executable).with_name("actionlint")
    done = subprocess.run([str(actionlint), "-no-color"], cwd=REPO, capture_output=True, text=True, timeout=120,
                          check=False)
    assert (done.returncode, done.stdout) == (0, "")


def _workflow(name: str) -> dict:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_pull_requests_run_make_check_the_browser_tests_cfn_lint_and_checkov():
    ci = _workflow("ci.yml")
    assert "pull_request" in ci["on"] and ci["permissions"] == {"contents": "read"}
    runs = [run for job in ci["jobs"].values() for run in _runs(job)]
    assert {"make check", "make test-browser", "make lint-infra"} <= set(runs)
    makefile = (REPO / "Makefile").read_text()
    lint_infra = makefile[makefile.index("lint-infra:"):].split("\n\n")[0]
    assert "cfn-lint" in lint_infra and "--baseline infra/checkov-baseline.json" in lint_infra


def test_main_deploys_dev_through_oidc_and_prod_only_by_hand_behind_its_environment():
    deploy = _workflow("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"]}
    assert deploy["on"]["workflow_dispatch"]["inputs"]["stage"]["options"] == ["dev", "prod"]
    assert deploy["permissions"]["id-token"] == "write"
    (job,) = deploy["jobs"].values()
    assert job["environment"] == "${{ inputs.stage || 'dev' }}"  # a push has no inputs: dev
    assert job["if"] == "github.ref == 'refs/heads/main'"
    creds = next(s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials"))
    assert set(creds["with"]) >= {"role-to-assume", "aws-region"}
    assert any(run.startswith("make deploy") for run in _runs(job))


def test_no_workflow_holds_or_reads_aws_keys():
    text = "".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text and "secrets." not in text
