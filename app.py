"""cardstream's table of contents: Chalice decorators wired to chalicelib, one call each."""
import time

from chalice import AuthResponse, AuthRoute, Chalice, Response

from chalicelib import dbsetup, runtime
from chalicelib.ingest import BadRequest, PayloadTooLarge, parse_batch
from chalicelib.logs import log_event
from chalicelib.secrets import SecretUnavailable
from chalicelib.settings import get_settings

app = Chalice(app_name="cardstream")
settings = get_settings()

# Every route a token holder may call. The policy lists all of them, not just the route asked for,
# because API Gateway caches it per token for 300 s and reuses it for the token's next calls.
TOKEN_ROUTES = [AuthRoute("/transactions", ["POST"])]


@app.authorizer(ttl_seconds=300)
def token_authorizer(auth_request):
    try:
        principal = runtime.authorize(auth_request.token)
    except SecretUnavailable as exc:
        log_event("authorizer_error", error=str(exc))
        principal = None
    if principal is None:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=TOKEN_ROUTES, principal_id=principal)


@app.route("/health", methods=["GET"])
def health():
    return {"status": "ok", "stage": settings.stage, "version": settings.version}


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
    status = 503 if result.not_accepted else 202 if result.accepted else 400
    return _finish(request, started, status, result.body(), result.accepted, len(result.rejected))


# TRIM_HORIZON so a backlog is replayed after an outage; a failed invocation retries the whole batch,
# which is safe because object keys depend only on the records (see chalicelib/landing.py).
@app.on_kinesis_record(stream=settings.stream_name, batch_size=settings.kinesis_batch_size,
                       starting_position="TRIM_HORIZON",
                       maximum_batching_window_in_seconds=settings.kinesis_batch_window_seconds)
def on_stream_records(event):
    return runtime.stream_landing().land_event(event.to_dict())


# Run by `make deploy` after each deploy: the database is private, so set-up runs inside the VPC.
@app.lambda_function(name="migrate")
def migrate(event, context):
    return dbsetup.run_setup()


def _finish(request, started, status, body, accepted=0, rejected=0):
    log_event("request", request_id=request.context.get("requestId"), path=request.path, status=status,
              principal=request.context.get("authorizer", {}).get("principalId"),
              accepted=accepted, rejected=rejected, latency_ms=round((time.perf_counter() - started) * 1000, 2))
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})
