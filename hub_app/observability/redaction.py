"""Scrub secrets and personal data from log text before it is written anywhere.

Applied to every formatted log line (message, arguments, tracebacks — SQL errors quote their
parameters, HTTP errors their URLs). What goes:

- secrets: passwords, tokens, API keys, signatures and cookies written as `name=value`,
  `name: value` or JSON `"name": "value"`; `Bearer …`; Stripe keys (`sk_…`, `rk_…`, `whsec_…`);
  any run of 40+ token characters (session tokens, hashes, signing keys);
- card numbers: 13–19 digits passing the Luhn check, optionally grouped → `[card]`;
- emails → `e***@e***.com`; phone numbers → `***67` (last two digits kept to tell them apart);
- the secret path segment of the EasySMS delivery-report URL.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_SECRET_NAMES = (
    r"password|passwd|new_password|current_password|secret|client_secret|token|access_token|"
    r"refresh_token|api[_-]?key|apikey|key|authorization|cookie|set-cookie|signature|signing_key|"
    r"stripe-signature|calendly-webhook-signature|session|csrf[_-]?token|v1"
)
# JSON: "password": "value"  (value up to the closing quote, escaped quotes allowed)
_JSON_SECRET = re.compile(rf'(?i)("(?:{_SECRET_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"')
# name=value / name: value (query strings, headers, repr of dicts with quotes around the value)
_PAIR_SECRET = re.compile(
    rf"""(?i)(?<![\w-])((?:{_SECRET_NAMES})['"]?\s*[=:]\s*)(?:'[^']*'|"[^"]*"|[^\s,;&'"}}\])]+)"""
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_PROVIDER_KEY = re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9]+")
_EASYSMS_PATH = re.compile(r"(/webhooks/easysms/)[^/?\s\"']+")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_/.-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_/-])")
_EMAIL = re.compile(r"(?i)\b([a-z0-9._%+-])[a-z0-9._%+-]*@([a-z0-9-])[a-z0-9.-]*?(\.[a-z]{2,24})\b")
_CARD = re.compile(r"(?<![\d.])(?:\d[ -]?){12,18}\d(?![\d.])")
# International numbers (+30 697 123 4567) with any separators; national ones as 10-15 digits
# with at most spaces between (dates and times, which use - and :, stay readable).
_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ .-]?\d){7,14}(?![\w])|(?<![\w.+-])\d(?: ?\d){9,14}(?![\w.])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)


def _mask_phone(match: re.Match[str]) -> str:
    return "***" + re.sub(r"\D", "", match.group(0))[-2:]


def redact(text: str) -> str:
    if not text:
        return text
    text = _EASYSMS_PATH.sub(r"\1" + REDACTED, text)
    text = _BEARER.sub(lambda m: m.group(1) + " " + REDACTED, text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + f'"{REDACTED}"', text)
    text = _PAIR_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
    text = _PROVIDER_KEY.sub(REDACTED, text)
    text = _LONG_TOKEN.sub(REDACTED, text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}***{m.group(3)}", text)
    text = _CARD.sub(_mask_card, text)
    text = _PHONE.sub(_mask_phone, text)
    return text
