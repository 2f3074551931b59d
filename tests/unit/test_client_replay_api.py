"""Replay over real HTTP against the real app: chalice's local server, the real authorizer, moto's Kinesis."""
import csv
import json
import threading

import pytest

from chalicelib.platform.settings import get_settings
from chalicelib.stream.record import decode_stream_record
from client import AuthRefused, RetryPolicy, replay, write_csv
from client.__main__ import main
from tests.support.client_files import transactions, write_sparkov
from tests.support.env import API_TOKENS

TOKEN = API_TOKENS["merchant-a"]
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.1)


@pytest.fixture
def api_url(aws):
    """`chalice local`'s own server over the app, in a thread, on a free port."""
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app

    app_class = app.__class__  # create_local_server swaps it for a thread-safe subclass
    server = create_local_server(app, Config.create(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.server.serve_forever, args=(0.02,), daemon=True)  # quick shutdown
    thread.start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()
    server.server.server_close()
    thread.join()
    app.__class__ = app_class


def stream_trans_nums():
    from chalicelib.platform.clients import get_client

    kinesis, stream = get_client("kinesis"), get_settings().stream_name
    found = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10_000)
            found += [decode_stream_record(r["Data"])["trans_num"] for r in page["Records"]]
            if not page["Records"]:
                break
            iterator = page["NextShardIterator"]
    return found


def test_generated_rows_all_reach_the_stream(api_url, tmp_path):
    path = tmp_path / "gen.csv"
    write_csv(path, 1200, seed=5)
    # One request at a time: moto's Kinesis loses records under concurrent PutRecords (its shard takes
    # max(sequence number) + 1 without a lock), which would fail this test for moto's sake, not ours.
    result = replay(path, api_url, TOKEN, batch_size=250, concurrency=1, retry=FAST)
    with open(path, newline="") as fh:
        file_nums = sorted(row["trans_num"] for row in csv.DictReader(fh))
    assert (result.sent, result.accepted, result.rejected, result.malformed) == (1200, 1200, [], [])
    assert sorted(result.accepted_at) == file_nums
    assert sorted(stream_trans_nums()) == file_nums
    assert len(result.batches) == 5


def test_messy_file_is_read_and_the_api_judges_the_values(api_url, tmp_path, capsys):
    good = transactions(3)
    luhn_bad = transactions(1, cc_num="4111111111111112")
    mangled = transactions(1, cc_num="2.70E+15", trans_date_trans_time="01/01/2019 00:00")
    path = write_sparkov(tmp_path / "messy.csv", good + luhn_bad + mangled, index_columns=("", "Unnamed: 0"),
                         extra={"merchant_id": "m-1"}, newline="\r\n", bom=True, final_newline=False)
    with path.open("ab") as fh:
        fh.write(b"\r\n7,7,2019-01-01 00:00:18,4111111111111111")  # a cut-off row: not sent
    rejects, result_file = tmp_path / "rejects.jsonl", tmp_path / "result.json"
    code = main(["replay", str(path), "--url", api_url, "--token", TOKEN, "--rejects", str(rejects), "--no-progress",
                 "--result-file", str(result_file)])
    out = capsys.readouterr()
    assert code == 0
    assert out.err.count("dropping columns outside the data dictionary: merchant_id") == 1
    assert "sent 5, accepted 3, rejected 2, malformed 1" in out.out
    assert "cc_num: fails the Luhn check" in out.out
    assert "trans_date_trans_time: must be YYYY-MM-DD HH:MM:SS" in out.out
    assert "line 7: has 4 fields, the header has 25" in out.out
    assert sorted(stream_trans_nums()) == sorted(t["trans_num"] for t in good)
    result = json.loads(result_file.read_text())
    assert {k: result[k] for k in ("sent", "accepted", "rejected", "malformed", "undelivered")} == \
        {"sent": 5, "accepted": 3, "rejected": 2, "malformed": 1, "undelivered": 0}
    assert sorted(result["accepted_at"]) == sorted(t["trans_num"] for t in good)
    assert result["rejected_by_reason"]["cc_num: fails the Luhn check"] == 1
    for pan in [t["cc_num"] for t in good + luhn_bad] + ["4111111111111111"]:
        assert pan not in out.out + out.err + rejects.read_text() + result_file.read_text()


def test_a_token_the_authorizer_denies_stops_the_replay(api_url, tmp_path):
    path = write_sparkov(tmp_path / "a.csv", transactions(2))
    with pytest.raises(AuthRefused):
        replay(path, api_url, "not-a-token", retry=FAST)
    assert stream_trans_nums() == []
