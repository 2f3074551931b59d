"""Logs, metrics and traces of the functions (issue 17): what Powertools writes on a known event."""
import json
import subprocess
import sys

import pytest

from chalicelib.platform import metrics
from chalicelib.platform.logs import log_event
from chalicelib.platform.settings import MissingSetting, get_settings
from infra.local.metrics_tally import Tally, emf_values
from tests.support.env import TEST_ENV, stage_env
from tests.support.factories import make_transaction
from tests.support.kinesis_events import kinesis_event, kinesis_record, stream_record


def emitted(out: str) -> tuple[dict, dict]:
    """(totals by metric, {(metric, dimension, value): sum} of the breakdown lines) in captured stdout."""
    breakdown: dict = {}
    for line in out.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        [directive] = blob["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "cardstream" and blob["stage"] == TEST_ENV["STAGE"]
        [dimensions] = directive["Dimensions"]
        if dimensions != ["stage"]:
            [extra] = [d for d in dimensions if d != "stage"]
            for metric in directive["Metrics"]:
                key = (metric["Name"], extra, blob[extra])
                breakdown[key] = breakdown.get(key, 0) + sum(blob[metric["Name"]])
    return Tally().feed_all(out.splitlines()).totals(), breakdown


def log_lines(out: str) -> list[dict]:
    return [line for line in map(json.loads, out.splitlines()) if "event" in line]


@pytest.fixture
def lambda_client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="test") as client:
        yield client


def test_a_post_emits_accepted_rejected_by_reason_and_latency(api, auth_headers, capsys):
    items = [make_transaction(), make_transaction(), {**make_transaction(), "amt": "abc"}, {"merchant": "x"}, 7]
    response = api.http.post("/transactions", headers=auth_headers, body=json.dumps({"transactions": items}))
    assert response.status_code == 202
    totals, breakdown = emitted(capsys.readouterr().out)
    assert (totals["RecordsAccepted"], totals["RecordsRejected"]) == (2, 3)
    assert "KinesisRecordsRetried" not in totals and "KinesisRecordsFailed" not in totals  # none, or zero
    assert totals["ApiLatency"] > 0 and "RequestsRejected" not in totals
    assert breakdown == {("RecordsRejected", "reason", "invalid_value"): 1,
                         ("RecordsRejected", "reason", "missing_field"): 1,
                         ("RecordsRejected", "reason", "not_an_object"): 1}


def test_a_refused_body_is_a_rejected_request_by_status(api, auth_headers, capsys):
    assert api.http.post("/transactions", headers=auth_headers, body=b"{").status_code == 400
    totals, breakdown = emitted(capsys.readouterr().out)
    assert totals["RequestsRejected"] == 1 and breakdown == {("RequestsRejected", "reason", "400"): 1}


def test_the_batcher_emits_landed_files_by_trigger_quarantined_and_bytes(lambda_client, capsys):
    event = kinesis_event([stream_record() for _ in range(3)], step_seconds=1.5)  # a `time` file, a `final` one
    event["Records"].append(kinesis_record("bm90IGpzb24=", 9, 1546300830.0))  # base64 of "not json": poison
    summary = lambda_client.lambda_.invoke("on_stream_records", event).payload
    totals, breakdown = emitted(capsys.readouterr().out)
    assert {name: totals[name] for name in ("RecordsLanded", "FilesWritten", "RecordsQuarantined", "BytesWritten")} \
        == {"RecordsLanded": 3, "FilesWritten": 2, "RecordsQuarantined": 1, "BytesWritten": summary["bytes"]}
    assert breakdown == {("FilesWritten", "trigger", "time"): 1, ("FilesWritten", "trigger", "final"): 1}


def test_an_invocations_log_lines_carry_a_level_and_its_correlation_id(lambda_client, capsys):
    lambda_client.lambda_.invoke("on_stream_records", kinesis_event([stream_record()]))
    [summary] = [line for line in log_lines(capsys.readouterr().out) if line["event"] == "stream_batch"]
    assert summary["level"] == "INFO" and summary["service"] == "cardstream-pipeline"
    assert summary["correlation_id"]  # the Lambda request id
    assert (summary["records"], summary["landed"]) == (1, 1)


def test_logs_obey_log_level(capsys):
    with stage_env(LOG_LEVEL="ERROR"):
        log_event("request", status=202)
        log_event("db_retry", sqlstate="40001")
        log_event("stream_put_failed", key="k")
    with stage_env(LOG_LEVEL="debug"):
        log_event("request", status=202)
    assert [(line["event"], line["level"]) for line in log_lines(capsys.readouterr().out)] == \
        [("stream_put_failed", "ERROR"), ("request", "INFO")]


def test_a_field_named_like_a_log_record_attribute_is_kept_under_another_name(capsys):
    log_event("request", name="x", message="y", status=200)
    [line] = log_lines(capsys.readouterr().out)
    assert (line["name_"], line["message_"], line["status"], line["message"]) == ("x", "y", 200, "request")


def test_an_unknown_log_level_is_refused_with_the_settings_name():
    with stage_env(LOG_LEVEL="LOUD"), pytest.raises(MissingSetting, match="LOG_LEVEL"):
        assert get_settings().log_level


def test_metrics_come_from_one_table_and_an_unknown_name_is_refused():
    with pytest.raises(KeyError):
        metrics.add("RecordsAcepted")


def test_the_tally_sums_only_the_stage_totals_of_our_namespace():
    lines = ['{"_aws":{"CloudWatchMetrics":[{"Namespace":"cardstream","Dimensions":[["stage"]],'
             '"Metrics":[{"Name":"RecordsAccepted","Unit":"Count"}]}]},"stage":"x","RecordsAccepted":[2.0,3.0]}',
             '{"_aws":{"CloudWatchMetrics":[{"Namespace":"cardstream","Dimensions":[["stage","reason"]],'
             '"Metrics":[{"Name":"RecordsRejected","Unit":"Count"}]}]},"stage":"x","reason":"r","RecordsRejected":[4]}',
             '{"_aws":{"CloudWatchMetrics":[{"Namespace":"other","Dimensions":[["stage"]],'
             '"Metrics":[{"Name":"RecordsAccepted","Unit":"Count"}]}]},"stage":"x","RecordsAccepted":[9]}',
             '{"event":"request"}', "not json {\"_aws\""]
    tally = Tally().feed_all(lines)
    assert tally.totals() == {"RecordsAccepted": 5}
    assert tally.summary_line() == "metrics: accepted=5 landed=0 loaded=0 rejected=0 quarantined=0 alerts=0"
    assert emf_values(lines[1]) == {}


def test_an_emf_line_glued_to_the_next_line_by_another_thread_still_counts():
    """Seen in make demo: chalice local serves requests on threads, and print() writes its newline apart."""
    emf = ('{"_aws":{"CloudWatchMetrics":[{"Namespace":"cardstream","Dimensions":[["stage"]],'
           '"Metrics":[{"Name":"RecordsAccepted","Unit":"Count"}]}]},"stage":"x","RecordsAccepted":[500.0]}')
    glued = [emf + '{"event":"request","status":202}', '{"event":"request"}' + emf, emf + emf]
    assert Tally().feed_all(glued).totals() == {"RecordsAccepted": 2000}


def test_the_invocation_line_is_written_whole_with_its_newline(capsys):
    from chalicelib.platform import metrics

    metrics.clear()
    metrics.add("RecordsAccepted", 3)
    metrics.flush()
    out = capsys.readouterr().out
    assert out.endswith("}\n") and out.count("\n") == 1 and emf_values(out.strip()) == {"RecordsAccepted": 3}


def test_without_tracing_the_xray_sdk_is_never_imported():
    code = ("import sys, app; from chalicelib.platform.observe import tracer; "
            "assert tracer() is None and 'aws_xray_sdk' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, env={**TEST_ENV, "PATH": ""})


def test_with_tracing_on_the_handler_runs_inside_powertools_tracer():
    from aws_lambda_powertools import Tracer

    from chalicelib.platform.observe import observed, tracer

    ran = []
    with stage_env(TRACING="true"):
        with observed("req-1", "on_raw_file"):  # outside Lambda, Powertools' Tracer runs disabled
            ran.append(1)
        assert isinstance(tracer(), Tracer)
    assert ran == [1]


def test_the_stacks_stdout_counts_emf_lines_written_in_pieces_and_passes_everything_through():
    import io

    from infra.local.metrics_tally import TeeLines

    line = ('{"_aws":{"CloudWatchMetrics":[{"Namespace":"cardstream","Dimensions":[["stage"]],'
            '"Metrics":[{"Name":"RowsInserted","Unit":"Count"}]}]},"stage":"local","RowsInserted":[7.0]}')
    out, tally = io.StringIO(), Tally()
    tee = TeeLines(out, tally)
    tee.write(line[:40])
    tee.write(line[40:] + "\n" + '{"event":"request"}\n' + line)  # the last line is not complete yet
    assert tally.summary()["loaded"] == 7
    tee.write("\n")
    assert tally.summary()["loaded"] == 14 and out.getvalue() == line + "\n" + '{"event":"request"}\n' + line + "\n"
