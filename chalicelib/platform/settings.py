"""One frozen settings object, read from environment variables that `.chalice/config.json` sets per stage.

Nothing else in the code base reads `os.environ`. Required settings fail at first use with a message
that names the variable, so a stage missing one is obvious in the first log line.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from chalicelib import __version__


class MissingSetting(RuntimeError):
    """A required environment variable is not set."""


def _required(name: str):
    return property(lambda self: self._get(name, None, str, required=True))


def _optional(name: str, default, cast=str):
    return property(lambda self: self._get(name, default, cast))


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def logging_level(value: str) -> str:
    level = value.strip().upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"not one of {', '.join(_LOG_LEVELS)}")
    return level


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    env: Mapping[str, str] = field(repr=False)

    def _get(self, name: str, default, cast, required: bool = False):
        raw = self.env.get(name)
        if raw is None or raw == "":
            if required:
                raise MissingSetting(f"setting {name} is not set: add it to the stage's environment_variables")
            return default
        try:
            return cast(raw)
        except ValueError as exc:
            raise MissingSetting(f"setting {name}={raw!r} is not a valid {cast.__name__}") from exc

    stage = _optional("STAGE", "local")
    version = _optional("APP_VERSION", __version__)
    log_level = _optional("LOG_LEVEL", "INFO", logging_level)  # chalicelib/platform/logs.py writes this level and above
    tracing = _optional("TRACING", False, _flag)  # X-Ray subsegments (platform/observe.py); the stage's `xray`

    # Ingest API
    stream_name = _required("STREAM_NAME")
    api_tokens_secret_id = _required("API_TOKENS_SECRET_ID")
    card_key_secret_id = _required("CARD_KEY_SECRET_ID")
    secret_cache_seconds = _optional("SECRET_CACHE_SECONDS", 60, int)
    max_body_bytes = _optional("MAX_BODY_BYTES", 4 * 1024 * 1024, int)
    max_batch_items = _optional("MAX_BATCH_ITEMS", 500, int)
    put_max_attempts = _optional("PUT_MAX_ATTEMPTS", 5, int)
    put_base_delay_seconds = _optional("PUT_BASE_DELAY_SECONDS", 0.05, float)

    # Stream batcher
    bucket_name = _required("BUCKET_NAME")
    raw_prefix = _optional("RAW_PREFIX", "raw-data/")
    quarantine_prefix = _optional("QUARANTINE_PREFIX", "quarantine/")
    kinesis_batch_size = _optional("KINESIS_BATCH_SIZE", 500, int)
    kinesis_batch_window_seconds = _optional("KINESIS_BATCH_WINDOW_SECONDS", 2, int)
    flush_max_bytes = _optional("FLUSH_MAX_BYTES", 1024 * 1024, int)
    flush_max_age_seconds = _optional("FLUSH_MAX_AGE_SECONDS", 2.0, float)
    gzip_files = _optional("GZIP_FILES", False, _flag)

    # Loader
    database_url = _optional("DATABASE_URL", None)
    db_secret_id = _optional("DB_SECRET_ID", None)
    db_admin_secret_id = _optional("DB_ADMIN_SECRET_ID", None)  # master login: the cloud `migrate` function only
    db_sslmode = _optional("DB_SSLMODE", "prefer")
    db_statement_timeout_ms = _optional("DB_STATEMENT_TIMEOUT_MS", 120_000, int)
    db_connect_timeout_seconds = _optional("DB_CONNECT_TIMEOUT_SECONDS", 5, int)
    db_sslrootcert = _optional("DB_SSLROOTCERT", None)  # CA bundle path for sslmode=verify-full
    db_role = _optional("DB_ROLE", None)  # SET ROLE after connecting, e.g. cardstream_loader
    db_retry_attempts = _optional("DB_RETRY_ATTEMPTS", 5, int)  # deadlock / serialization failure
    sweep_lookback_hours = _optional("SWEEP_LOOKBACK_HOURS", 24, int)
    sweep_rate_minutes = _optional("SWEEP_RATE_MINUTES", 15, int)
    sweep_min_age_seconds = _optional("SWEEP_MIN_AGE_SECONDS", 120, int)  # younger files: their event is due

    # Bounded hot storage (chalicelib/lake/retention.py): 0 keeps everything (the local stage's default)
    hot_days = _optional("HOT_DAYS", 0, int)
    ledger_days = _optional("LEDGER_DAYS", None, int)  # unset: the shortest safe length, from the two below
    stream_retention_hours = _optional("STREAM_RETENTION_HOURS", 24, int)  # the stack's KinesisRetentionHours
    retention_batch_rows = _optional("RETENTION_BATCH_ROWS", 5000, int)
    retention_budget_seconds = _optional("RETENTION_BUDGET_SECONDS", 600, float)

    # The lake (chalicelib/lake/): the stage's Glue database and Athena workgroup; unset (local): no compaction
    lake_database = _optional("LAKE_DATABASE", None)
    lake_workgroup = _optional("LAKE_WORKGROUP", None)
    lake_prefix = _optional("LAKE_PREFIX", "lake/transactions/")  # the curated table's place in the bucket
    lake_compaction_days = _optional("LAKE_COMPACTION_DAYS", 3, int)  # arrival days each run merges again

    # Fraud alerts (the model: chalicelib/fraud/model.json; these are the per-stage knobs)
    fraud_scoring = _optional("FRAUD_SCORING", True, _flag)  # off: the loader writes no scores or alerts
    # On the model's score; unset: the model's own default (models/*.md says how it was chosen)
    fraud_alert_threshold = _optional("FRAUD_ALERT_THRESHOLD", None, float)
    # The named policy rules (chalicelib/fraud/rules.py) next to the model: they read 30 days of each card's
    # stored rows, so their cost grows with history; off unless a stage turns them on
    fraud_policy_rules = _optional("FRAUD_POLICY_RULES", False, _flag)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. Tests call `get_settings.cache_clear()` after changing env."""
    return Settings(MappingProxyType(dict(os.environ)))
