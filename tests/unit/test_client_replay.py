"""Replay over real HTTP against a scripted stand-in of the API: retries, resends, stops, reports."""
import json
import random
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from client import AuthRefused, RetryPolicy, replay
from client.__main__ import main
from client.pacing import Pacer
from tests.support.client_files import transactions, write_sparkov

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.01)
DROP = "drop the connection"


class ScriptedAPI:
    """Answers POSTs from a script of (status, body) or DROP; when the script runs out, accepts everything."""

    def __init__(self, script=()):
        self.script, self.requests, self.lock = list(script), [], threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with api.lock:
                    api.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    answer = api.script.pop(0) if api.script else (202, {"accepted": len(body["transactions"]),
                                                                         "rejected": []})
                if answer == DROP:
                    self.close_connection = True
                    return
                status, reply = answer
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent_trans_nums(self, request):
        return [t["trans_num"] for t in self.requests[request]["body"]["transactions"]]


@pytest.fixture
def standin():
    apis = []

    def start(*script):
        api = ScriptedAPI(script)
        threading.Thread(target=api.server.serve_forever, args=(0.02,), daemon=True).start()  # quick shutdown
        apis.append(api)
        return api

    yield start
    for api in apis:
        api.server.shutdown()
        api.server.server_close()


@pytest.fixture
def csv_of(tmp_path):
    def make(rows, **kw):
        return write_sparkov(tmp_path / "in.csv", rows, **kw)
    return make


def test_rows_are_posted_in_batches_with_the_bearer_token_as_json_strings(standin, csv_of):
    api, rows = standin(), transactions(7, zip="5155")
    result = replay(csv_of(rows), api.url, "tok-1", batch_size=3, concurrency=1, retry=FAST)
    assert [len(r["body"]["transactions"]) for r in api.requests] == [3, 3, 1]
    first = api.requests[0]
    assert first["path"] == "/transactions"
    assert first["headers"]["Authorization"] == "Bearer tok-1"
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["body"]["transactions"][0] == rows[0]  # strings as read, zip not padded
    assert (result.sent, result.accepted, result.complete) == (7, 7, True)


def test_concurrent_replay_sends_every_row_exactly_once(standin, csv_of):
    api, rows = standin(), transactions(40)
    result = replay(csv_of(rows), api.url, "t", batch_size=3, concurrency=4, retry=FAST)
    received = [n for i in range(len(api.requests)) for n in api.sent_trans_nums(i)]
    assert sorted(received) == sorted(r["trans_num"] for r in rows)
    assert (result.accepted, len(result.batches)) == (40, 14)


def test_429_is_retried_and_the_batch_then_accepted(standin, csv_of):
    api, rows = standin((429, {"message": "Too Many Requests"})), transactions(3)
    result = replay(csv_of(rows), api.url, "t", retry=FAST)
    assert len(api.requests) == 2
    assert api.requests[0]["body"] == api.requests[1]["body"]
    assert result.accepted == 3 and result.batches[0].attempts == 2


def test_503_resends_exactly_the_not_accepted_rows(standin, csv_of):
    rows = transactions(5)
    later = [rows[1]["trans_num"], rows[3]["trans_num"]]
    api = standin((503, {"accepted": 3, "rejected": [], "not_accepted": later, "message": "resend"}))
    result = replay(csv_of(rows), api.url, "t", retry=FAST)
    assert api.sent_trans_nums(1) == later
    assert result.accepted == 5
    assert set(result.accepted_at) == {r["trans_num"] for r in rows}


def test_503_rejected_rows_are_not_resent(standin, csv_of):
    rows = transactions(3)
    verdict = {"index": 0, "trans_num": rows[0]["trans_num"], "errors": {"amt": ["must be >= 0"]}}
    api = standin((503, {"accepted": 1, "rejected": [verdict], "not_accepted": [rows[2]["trans_num"]]}))
    result = replay(csv_of(rows), api.url, "t", retry=FAST)
    assert api.sent_trans_nums(1) == [rows[2]["trans_num"]]
    assert (result.accepted, len(result.rejected)) == (2, 1)


def test_gateway_503_without_a_list_resends_the_whole_batch(standin, csv_of):
    api, rows = standin((503, {"message": "Service Unavailable"})), transactions(2)
    result = replay(csv_of(rows), api.url, "t", retry=FAST)
    assert api.requests[0]["body"] == api.requests[1]["body"]
    assert result.accepted == 2


def test_5xx_retried_until_attempts_run_out_leaves_rows_undelivered_with_the_reason(standin, csv_of):
    api = standin(*[(500, {"message": "boom"})] * 3)
    result = replay(csv_of(transactions(2)), api.url, "t", retry=FAST)
    assert len(api.requests) == 3
    assert not result.complete and result.accepted == 0
    assert [u.line for u in result.undelivered] == [2, 3]
    assert result.undelivered[0].reason == "HTTP 500: boom (after 3 attempts)"


def test_dropped_connection_is_retried(standin, csv_of):
    api = standin(DROP)
    result = replay(csv_of(transactions(2)), api.url, "t", retry=FAST, concurrency=1)
    assert len(api.requests) == 2
    assert result.accepted == 2


def test_nothing_listening_leaves_rows_undelivered(csv_of):
    with socket.socket() as sock:  # a port that was free a moment ago: connections are refused
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = replay(csv_of(transactions(1)), url, "t", retry=FAST)
    assert "no answer from the API" in result.undelivered[0].reason


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_stops_the_replay_without_retrying(standin, csv_of, status):
    api = standin((status, {"message": "Unauthorized"}))
    with pytest.raises(AuthRefused, match=f"HTTP {status}"):
        replay(csv_of(transactions(3)), api.url, "wrong", batch_size=1, concurrency=1, retry=FAST)
    assert len(api.requests) == 1


def test_400_verdicts_are_rejections_and_not_retried(standin, csv_of):
    rows = transactions(2)
    verdicts = [{"index": i, "trans_num": r["trans_num"], "errors": {"cc_num": ["fails the Luhn check"]}}
                for i, r in enumerate(rows)]
    api = standin((400, {"accepted": 0, "rejected": verdicts}))
    result = replay(csv_of(rows), api.url, "t", retry=FAST)
    assert len(api.requests) == 1
    assert result.rejected_by_reason() == {"cc_num: fails the Luhn check": 2}
    assert result.complete


def test_400_without_verdicts_is_reported_and_not_retried(standin, csv_of):
    api = standin((400, {"message": "body is not valid JSON"}))
    result = replay(csv_of(transactions(1)), api.url, "t", retry=FAST)
    assert len(api.requests) == 1
    assert result.undelivered[0].reason.startswith("HTTP 400: body is not valid JSON")


def test_malformed_line_is_reported_and_the_other_rows_are_sent(standin, csv_of):
    api, path = standin(), csv_of(transactions(3))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[1] + "a,b,c\n" + lines[3])
    warnings = []
    result = replay(path, api.url, "t", retry=FAST, warn=warnings.append)
    assert [m.line for m in result.malformed] == [3]
    assert warnings == ["line 3: has 3 fields, the header has 22; not sent"]
    assert (result.sent, result.accepted) == (2, 2)


def test_extra_columns_get_one_warning_naming_them(standin, csv_of):
    api, warnings = standin(), []
    path = csv_of(transactions(4), extra={"note": "x", "source": "y"}, index_columns=("", "Unnamed: 0"))
    replay(path, api.url, "t", batch_size=1, retry=FAST, warn=warnings.append)
    assert warnings == ["dropping columns outside the data dictionary: note, source"]
    assert "note" not in api.requests[0]["body"]["transactions"][0]


def test_each_batch_records_when_it_was_sent_and_answered(standin, csv_of):
    api, rows = standin(), transactions(5)
    result = replay(csv_of(rows), api.url, "t", batch_size=2, retry=FAST)
    assert sorted(b.number for b in result.batches) == [0, 1, 2]
    assert result.sent_trans_nums == [r["trans_num"] for r in rows]
    assert all(b.first_sent_at <= b.returned_at for b in result.batches)
    assert all(result.accepted_at[t] == b.returned_at for b in result.batches for t in b.accepted_at)


def test_cli_output_and_rejects_file_never_hold_a_card_number(standin, tmp_path, capsys):
    rows = transactions(4)
    verdicts = [{"index": i, "trans_num": r["trans_num"], "errors": {"cc_num": ["fails the Luhn check"]}}
                for i, r in enumerate(rows[:2])]
    api = standin((202, {"accepted": 2, "rejected": verdicts}))
    path = write_sparkov(tmp_path / "in.csv", rows)
    with path.open("a") as fh:
        fh.write(f"{rows[3]['cc_num']},short row\n")
    rejects = tmp_path / "rejects.jsonl"
    code = main(["replay", str(path), "--url", api.url, "--token", "t", "--rejects", str(rejects), "--no-progress"])
    out = capsys.readouterr()
    written = rejects.read_text()
    assert code == 0
    for pan in (r["cc_num"] for r in rows):
        assert pan not in out.out + out.err + written
    entries = [json.loads(line) for line in written.splitlines()]
    assert [(e["line"], e["kind"]) for e in entries] == [(2, "rejected"), (3, "rejected"), (6, "malformed")]
    assert entries[0]["record"]["cc_num"] == "*" * 12 + rows[0]["cc_num"][-4:]
    assert "rejected by reason:\n        2  cc_num: fails the Luhn check" in out.out


def test_cli_exits_3_and_says_why_when_the_token_is_refused(standin, csv_of, capsys):
    api = standin((401, {"message": "Unauthorized"}))
    code = main(["replay", str(csv_of(transactions(1))), "--url", api.url, "--token", "bad", "--no-progress"])
    assert code == 3
    assert "the API refused the token (HTTP 401)" in capsys.readouterr().err


def test_cli_exits_1_when_rows_were_not_delivered(standin, csv_of, tmp_path, capsys):
    api = standin(*[(502, {"message": "Bad Gateway"})] * 2)
    code = main(["replay", str(csv_of(transactions(1))), "--url", api.url, "--token", "t", "--max-attempts", "2",
                 "--no-progress", "--rejects", str(tmp_path / "r.jsonl")])
    assert code == 1
    assert "undelivered 1" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.jsonl").read_text())["kind"] == "undelivered"


def test_cli_exits_2_when_the_file_lacks_columns(tmp_path, capsys):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    assert main(["replay", str(tmp_path / "x.csv"), "--url", "http://127.0.0.1:9", "--token", "t"]) == 2
    assert "lacks required columns" in capsys.readouterr().err


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after():
    policy, rng = RetryPolicy(base_delay=1.0, max_delay=5.0), random.Random(1)
    delays = [policy.delay(3, rng) for _ in range(200)]
    assert min(delays) >= 0 and max(delays) <= 4.0 and len(set(delays)) > 100
    assert all(policy.delay(9, rng) <= 5.0 for _ in range(50))
    assert policy.delay(1, rng, retry_after=3.0) >= 3.0


def test_pacer_holds_records_to_the_rate():
    now, sleeps = [100.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    pacer = Pacer(100, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.wait(50)
    assert sleeps == [0.5, 0.5]


def test_an_answer_nested_too_deeply_reads_as_an_empty_object():
    from client.transport import _json_object

    assert _json_object(b"[" * 5_000 + b"]" * 5_000) == {}
    assert _json_object(b'{"a": ' * 50_000) == {}
