"""moto's server app, as `moto_server` itself builds it, for our WSGI middleware to wrap (one request at a time in
the local stack, request rewrites in the deploy rehearsal).

The names come from `moto.server`, the module behind moto's own `moto_server` command. Its request handler
(from 5.2.6: it keeps underscores in S3 metadata header names) is used where moto has it; older releases
served with werkzeug's default handler, and so do we on them.
"""
from __future__ import annotations

from moto import server as moto_server_module
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

REQUEST_HANDLER = getattr(moto_server_module, "MotoRequestHandler", WSGIRequestHandler)


def moto_app() -> DomainDispatcherApplication:
    """A WSGI app serving every moto backend, as `moto_server` serves them."""
    return DomainDispatcherApplication(create_backend_app)


def make_moto_server(app, port: int = 0) -> BaseWSGIServer:
    """A threaded server for `app` (moto's, or moto's behind middleware) on 127.0.0.1 only."""
    return make_server("127.0.0.1", port, app, threaded=True, request_handler=REQUEST_HANDLER)
