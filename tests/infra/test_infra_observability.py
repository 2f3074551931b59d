"""The template's observability (issue 17): log retention per function, the alarms and their runbook, the dashboard,
and the deploy's rule for the alarm e-mail."""
import json
import re

import pytest

from chalicelib.platform.metrics import METRICS, NAMESPACE
from infra.preflight import PreflightFailed, check_alarm_email
from infra.stack import load_template
from infra.stage_config import load_stage_file, read_config
from tests.support.chalice_package import REPO

T = load_template()
RES = T["Resources"]
OPERATIONS = (REPO / "docs" / "operations.md").read_text()


def _of_type(kind: str) -> dict:
    return {name: r for name, r in RES.items() if r["Type"] == kind}


def _alarm_metrics(props: dict) -> list[dict]:
    return [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m] or [props]


def test_every_function_and_the_rds_export_keep_their_logs_for_the_stage_retention():
    groups = {g["Properties"]["LogGroupName"]["Fn::Sub"]: g["Properties"]
              for g in _of_type("AWS::Logs::LogGroup").values()
              if not g["Properties"]["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")}  # WAF's, issue 16
    functions = read_config(REPO)["stages"]["dev"]["lambda_functions"]
    wanted = {"/aws/lambda/cardstream-${Stage}" + ("" if name == "api_handler" else f"-{name}") for name in functions}
    wanted.add("/aws/rds/instance/cardstream-${Stage}/postgresql")
    assert set(groups) == wanted
    assert all(g["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())
    assert RES["Database"]["DependsOn"] == "DbLogGroup"  # else RDS creates the group first, kept forever


def test_retention_is_30_days_in_dev_and_set_by_the_prod_stage_file():
    assert T["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert load_stage_file("dev")["parameters"]["LogRetentionDays"] == "30"
    assert "LogRetentionDays" in load_stage_file("prod")["parameters"]


ISSUE_ALARMS = {  # (namespace, metric) -> what the issue asks to be watched
    ("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "Latency"),
    ("AWS/Kinesis", "WriteProvisionedThroughputExceeded"), ("AWS/Kinesis", "ReadProvisionedThroughputExceeded"),
    ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"), ("AWS/Lambda", "Errors"),
    (NAMESPACE, "FreshnessSeconds"), (NAMESPACE, "FilesRejected"), (NAMESPACE, "RecordsQuarantined"),
    ("AWS/RDS", "CPUUtilization"), ("AWS/RDS", "CPUCreditBalance"), ("AWS/RDS", "FreeableMemory"),
    ("AWS/RDS", "FreeStorageSpace"), ("AWS/RDS", "ReadLatency"), ("AWS/RDS", "WriteLatency"),
    ("AWS/RDS", "DatabaseConnections"), ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
}


def test_the_alarms_watch_everything_the_issue_names():
    watched = {(m["Namespace"], m["MetricName"]) for a in _of_type("AWS::CloudWatch::Alarm").values()
               for m in _alarm_metrics(a["Properties"])}
    assert watched >= ISSUE_ALARMS


def test_freshness_alarms_on_the_p95_over_60_seconds_and_our_metrics_on_the_stage_dimension():
    freshness = RES["FreshnessAlarm"]["Properties"]
    assert (freshness["ExtendedStatistic"], T["Parameters"]["FreshnessP95AlarmSeconds"]["Default"]) == ("p95", 60)
    for alarm in _of_type("AWS::CloudWatch::Alarm").values():
        for metric in _alarm_metrics(alarm["Properties"]):
            if metric["Namespace"] == NAMESPACE:
                assert metric["MetricName"] in METRICS
                assert metric["Dimensions"] == [{"Name": "stage", "Value": {"Ref": "Stage"}}]


def test_every_alarm_has_a_runbook_line_in_docs_operations():
    names = [a["Properties"]["AlarmName"]["Fn::Sub"].removeprefix("cardstream-${Stage}-")
             for a in _of_type("AWS::CloudWatch::Alarm").values()]
    missing = [name for name in names if f"`{name}`" not in OPERATIONS]
    assert missing == []


def test_the_dashboard_shows_the_pipeline_left_to_right_with_known_metrics_only():
    body = json.loads(RES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])
    titles = [w["properties"].get("title", "") for w in body["widgets"]]
    assert [t for t in titles if re.match(r"\d ", t)] == \
        ["1 requests (API Gateway)", "2 records", "3 files", "4 rows", "5 fraud alerts"]
    assert {"freshness", "latency", "iterator age", "errors and throttles", "RDS"} <= \
        {word for t in titles for word in ("freshness", "latency", "iterator age", "errors and throttles", "RDS")
         if word in t}
    ours = {m[1] for w in body["widgets"] for m in w["properties"].get("metrics", []) if m[0] == NAMESPACE}
    assert ours <= set(METRICS)
    assert ours >= {"RecordsAccepted", "RecordsLanded", "FilesLoaded", "RowsInserted", "AlertsRaised",
                    "FreshnessSeconds"}


def test_prod_needs_an_alarm_email_and_dev_is_told_it_notifies_nobody():
    with pytest.raises(PreflightFailed, match="AlarmEmail"):
        check_alarm_email("prod", {"AlarmEmail": ""})
    assert "notify nobody" in check_alarm_email("dev", {})
    assert "ops@example.com" in check_alarm_email("prod", {"AlarmEmail": "ops@example.com"})
