"""The client: generating 100k rows, reading them back as a messy CSV, and replaying 20k over HTTP
to a null server (answers 202 without looking), each against a bare baseline in the same run:
csv.writer of the same rows, csv.reader of the same file, and one plain POST per pre-encoded batch."""
from __future__ import annotations

import csv
import http.client
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from client.csvsource import Row, SparkovCsv
from client.generate import generate_rows, write_csv
from client.pacing import RetryPolicy
from client.replay import replay

ROWS = 100_000
REPLAY_ROWS = 20_000
BATCH = 500


class _NullHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        data = b'{"accepted": 500, "rejected": []}'
        self.send_response(202)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _entry(name: str, rows: int, seconds: float, baseline_seconds: float) -> dict:
    value, baseline = rows / seconds, rows / baseline_seconds
    print(f"   {name}: {value:,.0f} rows/s ({seconds * 1e6 / rows:.1f} µs/row); baseline {baseline:,.0f} rows/s")
    return {"name": name, "value": value, "unit": "rows/s", "baseline": baseline, "ratio": value / baseline}


def _bare_posts(url_port: int, bodies: list[bytes]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", url_port)
    for body in bodies:
        conn.request("POST", "/transactions", body=body, headers={"Content-Type": "application/json"})
        conn.getresponse().read()
    conn.close()


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        path, copy = Path(tmp) / "gen.csv", Path(tmp) / "copy.csv"
        generate_s = _timed(lambda: write_csv(path, ROWS, seed=1))
        rows = list(generate_rows(ROWS, seed=1))
        with open(copy, "w", newline="") as fh:
            write_s = _timed(lambda: csv.writer(fh, lineterminator="\n").writerows(rows))
        entries = [_entry("client_generate", ROWS, generate_s, write_s)]

        def read_ours():
            with SparkovCsv(path) as source:
                assert sum(isinstance(i, Row) for i in source.rows()) == ROWS

        def read_bare():
            with open(path, newline="") as fh:
                assert sum(1 for _ in csv.DictReader(fh)) == ROWS

        entries.append(_entry("client_csv_read", ROWS, _timed(read_ours), _timed(read_bare)))

        small = Path(tmp) / "small.csv"
        write_csv(small, REPLAY_ROWS, seed=2)
        with SparkovCsv(small) as source:
            records = [i.record for i in source.rows()]
        bodies = [json.dumps({"transactions": records[i:i + BATCH]}).encode() for i in range(0, len(records), BATCH)]
        server = ThreadingHTTPServer(("127.0.0.1", 0), _NullHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        try:
            ours = _timed(lambda: replay(small, f"http://127.0.0.1:{port}", "t", concurrency=1,
                                         retry=RetryPolicy(max_attempts=1)))
            bare = _timed(lambda: _bare_posts(port, bodies))
        finally:
            server.shutdown()
            server.server_close()
        entries.append(_entry("client_replay_1_thread", REPLAY_ROWS, ours, bare))
    return entries
