"""Card tokenization (PCI DSS 3.4/3.5): the only code that sees a full card number (PAN).

card_token = HMAC-SHA256(key, PAN) as hex: stable per card, so a card's history joins up, and
useless without the key, which lives in Secrets Manager only.
"""
from __future__ import annotations

import hashlib
import hmac


class CardKeyError(RuntimeError):
    """The card-token key secret is missing or too short."""


MIN_KEY_BYTES = 32


class CardTokenizer:
    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise CardKeyError(f"card-token key must be at least {MIN_KEY_BYTES} bytes")
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    @classmethod
    def from_secret(cls, secret: dict) -> CardTokenizer:
        """From a secret shaped `{"key": "<hex>"}`."""
        try:
            return cls(bytes.fromhex(secret["key"]))
        except (KeyError, TypeError, ValueError):
            raise CardKeyError("card-token key secret must be {\"key\": \"<hex>\"}") from None

    def tokenize(self, record: dict) -> dict:
        """The record with `cc_num` replaced by `card_token` and `cc_last4`, in place."""
        pan = record.pop("cc_num")
        mac = self._mac.copy()
        mac.update(pan.encode("ascii"))
        record["card_token"] = mac.hexdigest()
        record["cc_last4"] = pan[-4:]
        return record

    def __repr__(self) -> str:  # never show the key
        return "CardTokenizer(<key hidden>)"
