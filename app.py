"""cardstream's table of contents: Chalice decorators wired to chalicelib, one call each."""
import time

from chalice import AuthResponse, AuthRoute, Chalice, Rate, Response

from chalicelib import apispec, dbsetup, runtime
from chalicelib.alerts import BadAlertQuery, parse_alert_query
from chalicelib.auth import allowed_routes
from chalicelib.cards import CardKeyError
from chalicelib.db import DatabaseUnavailable
from chalicelib.ingest import BadRequest, PayloadTooLarge, parse_batch
from chalicelib.logs import log_event
from chalicelib.lookup import InvalidTransNum
from chalicelib.observe import invocation, observed_authorizer, request_answered
from chalicelib.s3events import RawFileEvent
from chalicelib.secrets import SecretUnavailable
from chalicelib.settings import get_settings

app = Chalice(app_name="cardstream")
settings = get_settings()
# Every handler: the correlation id on its log lines, X-Ray subsegments, its metrics flushed (chalicelib/observe.py).
app.register_middleware(invocation, "all")


# The policy lists every route the token's scopes allow (chalicelib/auth.py: POST = ingest, GET = read), not
# just the route asked for, because API Gateway caches it per token for 300 s and reuses it for the token's
# next calls; so it must never list a route the token may not call.
@app.authorizer(ttl_seconds=300)
@observed_authorizer
def token_authorizer(auth_request):
    try:
        grant = runtime.authorize(auth_request.token)
    except SecretUnavailable as exc:
        log_event("authorizer_error", error=str(exc))
        grant = None
    if grant is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    routes = [AuthRoute(path, methods) for path, methods in allowed_routes(grant.scopes, app.routes)]
    return AuthResponse(routes=routes, principal_id=grant.principal)


@app.route("/health", methods=["GET"])
def health():
    body = {"status": "ok", "stage": settings.stage, "version": settings.version}
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json"})


# The API's description (openapi.yaml, as JSON): public, like the API reference in the README.
@app.route("/openapi.json", methods=["GET"])
def openapi_document():
    return Response(body=apispec.openapi_json(), status_code=200, headers={"Content-Type": "application/json"})


@app.route("/transactions", methods=["POST"], authorizer=token_authorizer, content_types=["application/json"])
def post_transactions():
    started, request = time.perf_counter(), app.current_request
    try:
        items = parse_batch(request.raw_body, settings.max_body_bytes, settings.max_batch_items)
        result = runtime.ingestor().accept(items)
    except PayloadTooLarge as exc:
        return _finish(request, started, 413, {"message": str(exc)})
    except BadRequest as exc:
        return _finish(request, started, 400, {"message": str(exc)})
    except (SecretUnavailable, CardKeyError) as exc:  # the card-token key could not be read: retryable
        log_event("ingest_unavailable", error=str(exc))
        return _finish(request, started, 503, {"message": "the service is unavailable; retry later"})
    status = 503 if result.not_accepted else 202 if result.accepted else 400
    return _finish(request, started, status, result.body(), result.accepted, len(result.rejected))


@app.route("/transactions/{trans_num}", methods=["GET"], authorizer=token_authorizer)
def get_transaction(trans_num):
    started, request = time.perf_counter(), app.current_request
    try:
        found = runtime.find_transaction(trans_num)
    except InvalidTransNum as exc:
        return _finish(request, started, 400, {"message": str(exc)})
    except (DatabaseUnavailable, SecretUnavailable):  # no database, or its credentials could not be read
        return _finish(request, started, 503, {"message": "the database is unavailable; retry later"})
    if found is None:
        return _finish(request, started, 404, {"message": "transaction not found"})
    return _finish(request, started, 200, found)


@app.route("/alerts", methods=["GET"], authorizer=token_authorizer)
def get_alerts():
    started, request = time.perf_counter(), app.current_request
    try:
        page = runtime.list_alerts(parse_alert_query(request.query_params))
    except BadAlertQuery as exc:
        return _finish(request, started, 400, {"message": str(exc)})
    except (DatabaseUnavailable, SecretUnavailable):  # no database, or its credentials could not be read
        return _finish(request, started, 503, {"message": "the database is unavailable; retry later"})
    return _finish(request, started, 200, page)


# TRIM_HORIZON so a backlog is replayed after an outage; a failed invocation retries the whole batch,
# which is safe because object keys depend only on the records (see chalicelib/landing.py).
@app.on_kinesis_record(stream=settings.stream_name, batch_size=settings.kinesis_batch_size,
                       starting_position="TRIM_HORIZON",
                       maximum_batching_window_in_seconds=settings.kinesis_batch_window_seconds)
def on_stream_records(event):
    return runtime.stream_landing().land_event(event.to_dict())


# Each raw file into Postgres, exactly once per object version (chalicelib/loader.py). A database failure
# raises, so Lambda retries; a bad file is answered (rejected + quarantined), not retried.
@app.on_s3_event(bucket=settings.bucket_name, events=["s3:ObjectCreated:*"], prefix=settings.raw_prefix)
def on_raw_file(event):
    runtime.load_raw_files(event.to_dict())


on_raw_file.event_class = RawFileEvent  # chalice's S3Event raises on S3's s3:TestEvent, which has no Records


# S3 notifications can be dropped or late: load the recent raw files the ledger has not seen.
@app.schedule(Rate(settings.sweep_rate_minutes, unit=Rate.MINUTES))
def sweep_raw_files(event):
    runtime.sweep_raw_files()


# Run by `make deploy` after each deploy: the database is private, so set-up runs inside the VPC.
@app.lambda_function(name="migrate")
def migrate(event, context):
    return dbsetup.run_setup()


def _finish(request, started, status, body, accepted=0, rejected=0):
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    log_event("request", request_id=request.context.get("requestId"), path=request.path, status=status,
              principal=request.context.get("authorizer", {}).get("principalId"),
              accepted=accepted, rejected=rejected, latency_ms=latency_ms)
    request_answered(status, latency_ms)
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})
