"""Error answers sent by the protective middlewares, in the API's one error shape.

`{"error": {"code", "message", "fields"}}` (hub_app/api/v1/errors.py), so a client handles a
refusal by a middleware exactly like one from a route.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import Scope, Send

from hub_app.i18n import normalize_locale, t


def scope_locale(scope: Scope) -> str:
    header = Headers(scope=scope).get("accept-language", "")
    return normalize_locale(header.split(",")[0].strip())


async def send_error(send: Send, status: int, code: str, message: str, *,
                     headers: dict[str, str] | None = None, **extra: object) -> None:
    error: dict[str, object] = {"code": code, "message": message, "fields": {}}
    error.update({k: v for k, v in extra.items() if v is not None})
    body = json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_rate_limited(send: Send, scope: Scope, retry_after: int) -> None:
    await send_error(send, 429, "rate_limited", t("security.rate_limited", scope_locale(scope), seconds=retry_after),
                     headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


async def send_too_large(send: Send, scope: Scope, limit: int) -> None:
    await send_error(send, 413, "too_large", t("security.too_large", scope_locale(scope), limit=limit // 1024),
                     headers={"Connection": "close"})
