"""The process's lazily built services: what `app.py` calls. Nothing here runs at import time.

Lambda keeps these across warm invocations; tests call `reset()` after switching moto on.
"""
from __future__ import annotations

from functools import lru_cache

from chalicelib.fraud.features import forget_state
from chalicelib.fraud.scorer import FraudScorer
from chalicelib.fraud.scoring import ModelScorer
from chalicelib.ingest.auth import Grant, find_grant
from chalicelib.ingest.batch import Ingestor
from chalicelib.ingest.cards import CardTokenizer
from chalicelib.ingest.publisher import Publisher
from chalicelib.lake.compaction import CompactionResult, Compactor
from chalicelib.lake.retention import Retention, RetentionPolicy, RetentionResult
from chalicelib.load.loader import Loader, LoadResult
from chalicelib.load.s3events import created_objects
from chalicelib.load.sweep import Sweeper, SweepResult
from chalicelib.platform import metrics
from chalicelib.platform.clients import get_client, reset_clients
from chalicelib.platform.db import Database, connect_kwargs, database_secret, open_connection
from chalicelib.platform.observe import tracer
from chalicelib.platform.secrets import SecretCache
from chalicelib.platform.settings import get_settings
from chalicelib.read.alerts import AlertQuery
from chalicelib.read.alerts import list_alerts as _list_alerts
from chalicelib.read.transaction import find_transaction as _find_transaction
from chalicelib.stream.landing import StreamLanding


@lru_cache(maxsize=1)
def secret_cache() -> SecretCache:
    return SecretCache(get_client("secretsmanager"), get_settings().secret_cache_seconds)


def authorize(header: str | None) -> Grant | None:
    """The principal (token name) and scopes for an Authorization header, or None to deny."""
    return find_grant(header, secret_cache().get(get_settings().api_tokens_secret_id))


def _tokenizer() -> CardTokenizer:
    secret = secret_cache().get(get_settings().card_key_secret_id)
    return _tokenizer_for(secret.get("key", ""))


@lru_cache(maxsize=2)
def _tokenizer_for(key_hex: str) -> CardTokenizer:
    return CardTokenizer.from_secret({"key": key_hex})


@lru_cache(maxsize=1)
def ingestor() -> Ingestor:
    settings = get_settings()
    publisher = Publisher(get_client("kinesis"), settings.stream_name,
                          settings.put_max_attempts, settings.put_base_delay_seconds)
    return Ingestor(_tokenizer, publisher)


@lru_cache(maxsize=1)
def stream_landing() -> StreamLanding:
    settings = get_settings()
    return StreamLanding(get_client("s3"), settings.bucket_name, settings.raw_prefix, settings.quarantine_prefix,
                         settings.flush_max_bytes, settings.flush_max_age_seconds, settings.gzip_files)


def db_secret() -> dict | None:
    """The RDS-format database secret, or None when DATABASE_URL is used or no secret is configured."""
    return database_secret(get_settings(), lambda secret_id: secret_cache().get(secret_id))


@lru_cache(maxsize=1)
def database() -> Database:
    """The process's one PostgreSQL connection (opened on first use), shared by the loader and the read API."""
    settings = get_settings()
    return Database(lambda: open_connection(connect_kwargs(settings, db_secret()), settings.db_role),
                    attempts=settings.db_retry_attempts)


def loader_hooks() -> tuple:
    """What runs inside each file's transaction after its rows: the fraud model, then (if the stage turns them
    on) the named policy rules, which alert on rows the model left alone. When scoring is off, only a note that
    the per-card state is no longer kept, so that scoring again rebuilds it first."""
    settings = get_settings()
    if not settings.fraud_scoring:
        return (forget_state,)
    model = ModelScorer(settings.fraud_alert_threshold)
    return (model, FraudScorer()) if settings.fraud_policy_rules else (model,)


@lru_cache(maxsize=1)
def loader() -> Loader:
    return Loader(get_client("s3"), database(), get_settings().quarantine_prefix, hooks=loader_hooks())


def load_raw_files(event: dict) -> list[LoadResult]:
    """Load every object an S3 ObjectCreated event names (none for s3:TestEvent)."""
    return [loader().load_object(bucket, key) for bucket, key in created_objects(event)]


@lru_cache(maxsize=1)
def sweeper() -> Sweeper:
    settings = get_settings()
    return Sweeper(get_client("s3"), database(), loader(), settings.bucket_name, settings.raw_prefix,
                   settings.sweep_lookback_hours, settings.sweep_min_age_seconds)


def sweep_raw_files() -> SweepResult:
    return sweeper().sweep()


def enforce_retention() -> RetentionResult | None:
    """Old rows out of PostgreSQL per the stage's HOT_DAYS; None when the stage keeps everything."""
    policy = RetentionPolicy.for_stage(get_settings())
    return None if policy is None else Retention(database(), policy).run()


def compact_lake() -> CompactionResult | None:
    """The raw files of the last few arrival days merged into the curated table; None where there is no lake."""
    settings = get_settings()
    if not (settings.lake_database and settings.lake_workgroup):
        return None
    location = f"s3://{settings.bucket_name}/{settings.lake_prefix}"
    return Compactor(get_client("athena"), settings.lake_workgroup, settings.lake_database, location,
                     settings.lake_compaction_days).compact_recent()


def find_transaction(trans_num: str) -> dict | None:
    return _find_transaction(database(), trans_num)


def list_alerts(query: AlertQuery) -> dict:
    return _list_alerts(database(), query)


def reset() -> None:
    """Forget every cached client, secret and service (tests; never needed in Lambda)."""
    if database.cache_info().currsize:
        database().close()
    for cached in (secret_cache, _tokenizer_for, ingestor, stream_landing, database, loader, sweeper, tracer):
        cached.cache_clear()
    reset_clients()
    get_settings.cache_clear()
    metrics.clear()
