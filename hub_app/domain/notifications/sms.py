"""SMS through EasySMS (easysms.gr): the HTTP client, GSM-7/Unicode detection, segment counts.

Wire format: POST form parameters `key`, `to` (MSISDN, no
plus sign), `from`, `text`, `type=json`, `ucs=true` for text outside the GSM 03.38 alphabet, and
`callback` for delivery reports. A JSON answer with `status` "1" carries the message `id`; any
other `status` is a failure with `error` (code) and `remarks` (text). The account's IP whitelist
applies: calls from an unlisted address get a credentials error, hence the optional proxy.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import httpx

SEND_PATH = "/api/sms/send"
BALANCE_PATH = "/api/me/balance"

# GSM 03.38 basic alphabet (one septet each) and its extension table (escape + char: two).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Error codes that a retry cannot fix (wrong key, no/invalid number, no text, invalid sender).
PERMANENT_ERRORS = frozenset({"101", "102", "103", "104", "40"})


@dataclass(frozen=True)
class SmsEncoding:
    unicode: bool
    units: int      # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def measure(text: str) -> SmsEncoding:
    """How the text travels and how many SMS parts it costs (160/153 GSM-7, 70/67 UCS-2)."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, part, unicode = GSM7_SINGLE, GSM7_PART, False
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, unicode = UCS2_SINGLE, UCS2_PART, True
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = math.ceil(units / part)
    return SmsEncoding(unicode=unicode, units=units, segments=segments)


def to_msisdn(number: str) -> str:
    """E.164 (+306971234567) to the MSISDN form EasySMS stores (306971234567)."""
    digits = re.sub(r"[\s\-().]", "", number or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if not re.fullmatch(r"[1-9]\d{7,14}", digits):
        raise ValueError(f"not an international phone number: {number!r}")
    return digits


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    message_id: str | None = None
    segments: int = 0
    unicode: bool = False
    error_code: str | None = None
    remarks: str | None = None
    balance: str | None = None
    # A failure worth trying again later (network, server error); False for bad key/number.
    retryable: bool = False

    @property
    def error_text(self) -> str:
        code = f"EasySMS error {self.error_code}" if self.error_code else "EasySMS"
        return f"{code}: {self.remarks or 'no details'}"


class EasySmsClient:
    """The real EasySMS API over httpx. One instance may be shared by threads."""

    def __init__(self, api_key: str, sender: str, base_url: str = "https://easysms.gr", *,
                 proxy: str | None = None, timeout: float = 15.0,
                 transport: httpx.BaseTransport | None = None):
        self.api_key = api_key
        self.sender = sender
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            timeout=timeout, proxy=proxy, transport=transport,
            headers={"User-Agent": "appointment-hub"}, follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def send(self, to: str, text: str, callback_url: str | None = None) -> SmsResult:
        encoding = measure(text)
        try:
            msisdn = to_msisdn(to)
        except ValueError as exc:
            return SmsResult(ok=False, segments=encoding.segments, unicode=encoding.unicode,
                             error_code="103", remarks=str(exc))
        form = {"key": self.api_key, "to": msisdn, "from": self.sender, "text": text, "type": "json"}
        if encoding.unicode:
            form["ucs"] = "true"
        if callback_url:
            form["callback"] = callback_url
        try:
            response = self._client.post(self.base_url + SEND_PATH, data=form)
        except httpx.HTTPError as exc:
            return SmsResult(ok=False, segments=encoding.segments, unicode=encoding.unicode,
                             remarks=f"network error: {type(exc).__name__}: {exc}", retryable=True)
        return self._parse_send(response, encoding)

    def balance(self) -> Decimal | None:
        """Remaining SMS credit (the field is `balance` or `amount` depending on the account)."""
        response = self._client.post(self.base_url + BALANCE_PATH, data={"key": self.api_key, "type": "json"})
        response.raise_for_status()
        body = response.json()
        raw = body.get("balance", body.get("amount"))
        try:
            return Decimal(str(raw)) if raw is not None else None
        except InvalidOperation:
            return None

    @staticmethod
    def _parse_send(response: httpx.Response, encoding: SmsEncoding) -> SmsResult:
        common = {"segments": encoding.segments, "unicode": encoding.unicode}
        if response.status_code >= 500 or response.status_code == 429:
            return SmsResult(ok=False, remarks=f"HTTP {response.status_code}", retryable=True, **common)
        text = response.text.strip()
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            if str(body.get("status")) == "1" and body.get("id") not in (None, ""):
                return SmsResult(ok=True, message_id=str(body["id"]), remarks=body.get("remarks"),
                                 balance=None if body.get("balance") is None else str(body["balance"]), **common)
            code = None if body.get("error") in (None, "") else str(body.get("error"))
            return SmsResult(ok=False, error_code=code, remarks=str(body.get("remarks") or "") or None,
                             retryable=code not in PERMANENT_ERRORS, **common)
        if response.status_code == 200 and re.fullmatch(r"\d+", text):
            # The plain "v2" answer (when the account ignores type=json): just the message id.
            return SmsResult(ok=True, message_id=text, **common)
        snippet = re.sub(r"\s+", " ", text)[:120]
        return SmsResult(ok=False, remarks=f"unexpected answer (HTTP {response.status_code}): {snippet}",
                         retryable=response.status_code < 400, **common)
