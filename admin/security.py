"""Request guards of the admin app: the session cookie's flags and a same-origin check.

SQLAdmin has no CSRF tokens. Its session cookie is SameSite=Lax, so other sites cannot send it
with a POST/DELETE; SameSite still allows top-level GET navigations, and SQLAdmin's custom
actions are GET routes. `SameOriginGuard` therefore refuses state-changing requests (and action
routes) that a browser marks as coming from another site (Origin / Sec-Fetch-Site headers).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN_SESSION_COOKIE = "hub_admin_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SchemeAwareSessionMiddleware:
    """Starlette's signed-cookie session, marked Secure exactly when the request came over HTTPS.

    Behind a TLS-terminating proxy, run the server with forwarded-header support (uvicorn/granian
    `--proxy-headers`) so the scheme seen here is the client's.
    """

    def __init__(self, app: ASGIApp, **options) -> None:
        options.pop("https_only", None)
        self.plain = SessionMiddleware(app, https_only=False, **options)
        self.secure = SessionMiddleware(app, https_only=True, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await target(scope, receive, send)


def _is_action_route(path: str) -> bool:
    return "/action/" in path


class SameOriginGuard:
    """403 for a state-changing admin request that a browser says came from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["method"] not in SAFE_METHODS or _is_action_route(scope["path"])):
            headers = Headers(scope=scope)
            if not _same_origin(headers):
                response = PlainTextResponse("Cross-site request refused.", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _same_origin(headers: Headers) -> bool:
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = headers.get("origin")
    if origin and origin != "null":
        host = headers.get("x-forwarded-host") or headers.get("host") or ""
        return urlsplit(origin).netloc.lower() == host.split(",")[0].strip().lower()
    return True
