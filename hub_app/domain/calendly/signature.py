"""Calendly webhook signatures: `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>`.

v1 is HMAC-SHA256, keyed with the subscription's signing key, over "<t>.<raw body bytes>". The raw
bytes are verified before any JSON parsing (re-serialising would change them). Calendly itself
enforces no timestamp window: the tolerance is ours, and it also refuses timestamps from the
future beyond the same window (a clock that far off is not a delivery we can trust).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Calendly-Webhook-Signature"


class InvalidSignature(Exception):
    """The delivery is not provably from Calendly for this store: answer 400 and keep nothing."""


def compute(signing_key: str, timestamp: int, raw_body: bytes) -> str:
    message = str(timestamp).encode() + b"." + raw_body
    return hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()


def header_value(signing_key: str, raw_body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute(signing_key, timestamp, raw_body)}"


def verify(raw_body: bytes, header: str | None, signing_key: str, *, tolerance_seconds: int,
           now: float | None = None) -> int:
    """Return the signed timestamp, or raise InvalidSignature saying what was wrong."""
    parts: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            parts.setdefault(name, []).append(value)
    timestamps, signatures = parts.get("t", []), parts.get("v1", [])
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise InvalidSignature("missing or malformed signature header")
    timestamp = int(timestamps[0])
    expected = compute(signing_key, timestamp, raw_body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("signature does not match")
    age = (time.time() if now is None else now) - timestamp
    if age > tolerance_seconds or age < -tolerance_seconds:
        raise InvalidSignature("timestamp outside the tolerance")
    return timestamp
