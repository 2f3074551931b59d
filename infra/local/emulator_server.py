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

from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from infra.local import moto_speedups


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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per AWS call is noise
    moto_speedups.apply()
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    print(f"listening {server.server_address[1]}", flush=True)
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nobody reads the pipe after this line
    server.serve_forever()


if __name__ == "__main__":
    main()
