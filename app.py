"""cardstream's table of contents: Chalice decorators wired to chalicelib, one call each."""
import time

from chalice import AuthResponse, AuthRoute, Chalice, Rate, Response

from chalicelib import apispec, runtime
from chalicelib.ingest.auth import allowed_routes
from chalicelib.ingest.batch import BadRequest, PayloadTooLarge, parse_batch
from chalicelib.ingest.cards import CardKeyError
from chalicelib.platform.db import DatabaseUnavailable
from chalicelib.platform.dbsetup import run_setup
from chalicelib.platform.logs import log_event
from chalicelib.platform.observe import invocation, observed_authorizer, request_answered
from chalicelib.platform.secrets import SecretUnavailable
from chalicelib.platform.settings import get_settings
from chalicelib.read.alerts import BadAlertQuery, parse_alert_query
from chalicelib.read.transaction import InvalidTransNum, not_found_message

app = Chalice(app_name="cardstream")
settings = get_settings()
# Every handler: the correlation id on its log lines, X-Ray subsegments, its metrics flushed
# (chalicelib/platform/observe.py).
app.register_middleware(invocation, "all")


# The policy lists every route the token's scopes allow (chalicelib/ingest/auth.py: POST = ingest, GET = read), not
# just the route asked for, because API Gateway caches it per token for 300 s and reuses it for the token's
# next calls; so it must never list a route the token may not call.
@app.authorizer(ttl_seconds=300)
@observed_authorizer
def token_authorizer(auth_request):
    try:
        grant = runtime.authorize(auth_request.token)
    except SecretUnavailable as exc:
        # Raise, not deny: a failed authorizer makes API Gateway answer 500 and cache nothing, whereas a deny
        # would be cached for 300 s and lock the token out long after Secrets Manager recovered.
        log_event("authorizer_error", error=str(exc))
        raise
    if grant is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    routes = [AuthRoute(path, methods) for path, methods in allowed_routes(grant.scopes, app.routes)]
    return AuthResponse(routes=routes, principal_id=grant.principal)


@app.route("/health", methods=["GET"])
def health():
    body = {"status": "ok", "stage": settings.stage, "version": settings.version}
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json"})


# The API's description (openapi.yaml, as JSON): public, like the API reference in docs/api.md.
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
        return _finish(request, started, 404, {"message": not_found_message(get_settings().hot_days)})
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
# which is safe because object keys depend only on the records (see chalicelib/stream/landing.py).
@app.on_kinesis_record(stream=settings.stream_name, batch_size=settings.kinesis_batch_size,
                       starting_position="TRIM_HORIZON",
                       maximum_batching_window_in_seconds=settings.kinesis_batch_window_seconds)
def on_stream_records(event):
    return runtime.stream_landing().land_event(event.to_dict())


# Each raw file into Postgres, exactly once per object version (chalicelib/load/loader.py). A database failure
# raises, so Lambda retries; a bad file is answered (rejected + quarantined), not retried.
@app.on_s3_event(bucket=settings.bucket_name, events=["s3:ObjectCreated:*"], prefix=settings.raw_prefix)
def on_raw_file(event):
    runtime.load_raw_files(event.to_dict())



# S3 notifications can be dropped or late: load the recent raw files the ledger has not seen.
@app.schedule(Rate(settings.sweep_rate_minutes, unit=Rate.MINUTES))
def sweep_raw_files(event):
    runtime.sweep_raw_files()


# The read routes' own function in the cloud (Chalice gives every route to one function): `make deploy` points
# the GET routes that read the database at it, so its reserved concurrency caps the connections reads can take
# (docs/capacity.md). Chalice's app is the same proxy handler Lambda calls for api_handler.
@app.lambda_function(name="read_api")
def read_api(event, context):
    return app(event, context)


# Bounded hot storage: rows older than the stage's HOT_DAYS leave PostgreSQL (chalicelib/lake/retention.py);
# the lake keeps them. Hourly, so each run deletes about an hour's worth of rows (docs/capacity.md); a stage with
# HOT_DAYS=0 keeps everything and this does nothing. A rate, not a cron, so the local stack runs it as Lambda would.
@app.schedule(Rate(1, unit=Rate.HOURS))
def enforce_retention(event):
    runtime.enforce_retention()


# The lake: the last few arrival days of raw files merged into the curated Iceberg table by Athena
# (chalicelib/lake/compaction.py), daily; idempotent, so a rerun or a retry is harmless. No lake (local): nothing.
@app.schedule(Rate(1, unit=Rate.DAYS))
def compact_lake(event):
    runtime.compact_lake()


# Run by `make deploy` after each deploy: the database is private, so set-up runs inside the VPC.
@app.lambda_function(name="migrate")
def migrate(event, context):
    return run_setup()


def _finish(request, started, status, body, accepted=0, rejected=0):
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    log_event("request", request_id=request.context.get("requestId"), path=request.path, status=status,
              principal=request.context.get("authorizer", {}).get("principalId"),
              accepted=accepted, rejected=rejected, latency_ms=latency_ms)
    request_answered(status, latency_ms)
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})
