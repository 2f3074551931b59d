"""Card tokenization: HMAC-SHA256 of the PAN under a secret key, plus the last four digits."""
import hashlib
import hmac
import json

import pytest

from chalicelib.ingest.cards import CardKeyError, CardTokenizer
from chalicelib.platform.secrets import SecretCache, SecretUnavailable

KEY = bytes(range(32))


def test_token_is_hmac_sha256_hex_and_last4_is_kept():
    record = CardTokenizer(KEY).tokenize({"cc_num": "2703186189652095", "amt": "1.00"})
    assert record == {"amt": "1.00", "cc_last4": "2095",
                      "card_token": hmac.new(KEY, b"2703186189652095", hashlib.sha256).hexdigest()}


def test_the_same_card_always_gets_the_same_token_and_other_keys_differ():
    a = CardTokenizer(KEY).tokenize({"cc_num": "2703186189652095"})["card_token"]
    b = CardTokenizer(KEY).tokenize({"cc_num": "2703186189652095"})["card_token"]
    c = CardTokenizer(bytes(32)).tokenize({"cc_num": "2703186189652095"})["card_token"]
    assert a == b != c


def test_a_short_key_is_refused():
    with pytest.raises(CardKeyError):
        CardTokenizer(b"short")


def test_a_malformed_key_secret_is_refused_without_echoing_it():
    with pytest.raises(CardKeyError) as info:
        CardTokenizer.from_secret({"key": "not-hex-secret-material"})
    assert "not-hex-secret-material" not in str(info.value)


def test_the_key_never_shows_in_repr():
    assert KEY.hex() not in repr(CardTokenizer(KEY))


def test_secret_cache_reads_once_per_ttl(aws):
    from chalicelib.platform.clients import get_client

    client, now = get_client("secretsmanager"), [0.0]
    client.create_secret(Name="s1", SecretString=json.dumps({"v": 1}))
    cache = SecretCache(client, ttl_seconds=60, clock=lambda: now[0])
    assert cache.get("s1") == {"v": 1}
    client.put_secret_value(SecretId="s1", SecretString=json.dumps({"v": 2}))
    assert cache.get("s1") == {"v": 1}
    now[0] = 61
    assert cache.get("s1") == {"v": 2}


def test_secret_cache_raises_a_domain_error_for_a_missing_secret(aws):
    from chalicelib.platform.clients import get_client

    with pytest.raises(SecretUnavailable, match="nope"):
        SecretCache(get_client("secretsmanager")).get("nope")
