"""The moto server process: `python -m infra.local.emulator_server [--port N]` prints `listening N`.

It runs apart from the event pump so that emulating AWS (parsing PutRecords, serving GetRecords and
objects) does not compete with the handlers for one interpreter lock.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

from infra.local import moto_speedups
from infra.moto_server import make_moto_server, moto_app


class OneAtATime:
    """moto's backends are not thread-safe: two PutRecords at once can get the same Kinesis sequence
    number, and one record silently replaces the other (seen: 9,854 of 10,000 records left after 4
    threads). AWS never loses an accepted record, so the emulator must not either: one request at a time."""

    def __init__(self, app):
        self._app, self._lock = app, threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            return list(self._app(environ, start_response))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     epilog="example: python -m infra.local.emulator_server --port 5000 --stock")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--stock", action="store_true", help="stock moto: leave the Kinesis speed-ups off")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call is noise
    server = make_moto_server(OneAtATime(moto_app()), args.port)
    serving = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    serving.start()
    port = server.server_address[1]
    # The speed-ups check themselves with a round trip through this very server before anyone else calls it.
    speedups = not args.stock and moto_speedups.apply(_self_client(port))
    print(f"listening {port} speedups={'on' if speedups else 'off'}", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nobody reads the pipe after this line
    serving.join()


def _self_client(port: int):
    import boto3

    return boto3.client("kinesis", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local", aws_session_token="local")


if __name__ == "__main__":
    main()
