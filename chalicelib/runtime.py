"""The process's lazily built services: what `app.py` calls. Nothing here runs at import time.

Lambda keeps these across warm invocations; tests call `reset()` after switching moto on.
"""
from __future__ import annotations

from functools import lru_cache

from chalicelib.auth import find_principal
from chalicelib.cards import CardTokenizer
from chalicelib.clients import get_client, reset_clients
from chalicelib.ingest import Ingestor
from chalicelib.landing import StreamLanding
from chalicelib.publisher import Publisher
from chalicelib.secrets import SecretCache
from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def secret_cache() -> SecretCache:
    return SecretCache(get_client("secretsmanager"), get_settings().secret_cache_seconds)


def authorize(header: str | None) -> str | None:
    """The principal (token name) for an Authorization header, or None to deny."""
    return find_principal(header, secret_cache().get(get_settings().api_tokens_secret_id))


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


def reset() -> None:
    """Forget every cached client, secret and service (tests; never needed in Lambda)."""
    for cached in (secret_cache, _tokenizer_for, ingestor, stream_landing):
        cached.cache_clear()
    reset_clients()
    get_settings.cache_clear()
