"""Security headers on every HTTP answer: pages, API, admin, webhooks, uploads.

The Content-Security-Policy fits the Reflex pages: the compiled React app loads its scripts and
styles from this origin, hydrates with inline scripts, styles components inline (Radix/Emotion)
and talks to the backend over a websocket to the same host (`/_event`). Nothing is loaded from
another origin; other sites may not frame the app. The API docs page (Swagger UI) loads its
bundle from jsDelivr, so that one path gets a policy naming it. Uploaded files (store photos)
are served with a policy that runs nothing.

The embed pages (`/embed/<slug>`, the booking wizard for a store's own website) are the one
exception to "no framing": their `frame-ancestors` names 'self' and exactly the store's listed
sites (`store.embed_domains`, read through the short per-process cache of
hub_app.domain.embedding.policy), and they carry no X-Frame-Options, which cannot express a list.

HSTS is sent only when the request came over HTTPS (behind a TLS proxy: set TRUSTED_PROXIES so
X-Forwarded-Proto is believed); over plain HTTP it would be ignored or, worse, lock a dev host.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.security.cors import policy_for

PAGE_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
DOCS_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "img-src 'self' data: https://fastapi.tiangolo.com",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
])
UPLOAD_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"
DOCS_PATHS = ("/api/v1/docs",)
UPLOAD_PREFIX = "/uploads/"
EMBED_PAGE = re.compile(r"^/embed/(?P<slug>[A-Za-z0-9-]{1,80})/?$")
HSTS = "max-age=31536000; includeSubDomains"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_for(path: str) -> str:
    if path in DOCS_PATHS or path.startswith(tuple(p + "/" for p in DOCS_PATHS)):
        return DOCS_CSP
    if path.startswith(UPLOAD_PREFIX):
        return UPLOAD_CSP
    return PAGE_CSP


def embed_csp(origins: tuple[str, ...]) -> str:
    """The page policy, framable by the app itself and by exactly `origins`."""
    return PAGE_CSP.replace("frame-ancestors 'none'", " ".join(("frame-ancestors 'self'", *origins)))


async def embed_page_csp(path: str) -> str | None:
    """The policy of an embed page, or None when `path` is not one."""
    found = EMBED_PAGE.match(path)
    if found is None:
        return None
    policy = await policy_for(found["slug"].lower())
    return embed_csp(policy.origins if policy is not None else ())


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        framed_csp = await embed_page_csp(scope["path"])
        csp = framed_csp or csp_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A route that chose its own value (say, a different CSP) keeps it.
                for name, value in COMMON_HEADERS.items():
                    if not (framed_csp and name == "X-Frame-Options"):
                        headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", csp)
                if https:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
