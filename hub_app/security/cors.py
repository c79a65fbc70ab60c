"""Who may read our answers from another origin (CORS), decided in one place.

Reflex puts Starlette's CORS middleware around everything with `allow_origins=["*"]` and
credentials, which reflects ANY Origin on every answer, `/admin` and the API included. This
middleware wraps the whole app (outside Reflex's, see `hub_app.hub_app.HubApp`): it answers every
preflight itself and replaces whatever `Access-Control-*` headers came from inside with its own:

- the app's own origins (PUBLIC_BASE_URL's, CORS_ALLOWED_ORIGINS, and in development the local
  addresses of PORT) may call everything except `/admin`, with credentials;
- a store's embedding sites (`store.embed_domains`) may call that store's PUBLIC booking
  endpoints only (store details, services, availability, creating a booking), without
  credentials: the API authenticates with bearer tokens, never cookies;
- every other origin gets no CORS header at all (and `Vary: Origin`, so caches keep answers apart).

The Reflex websocket (`/_event`) is not covered by CORS: a handshake whose Origin is neither the
app's own nor the host it connects to is refused here, so another site cannot drive a visitor's
UI session. The embed iframe is the app's own origin, so its websocket passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.domain.embedding.policy import EmbedPolicy, cached_embed_policy, embed_policy
from hub_app.security.config import get_security_settings
from hub_app.settings import get_settings

SLUG = r"(?P<slug>[A-Za-z0-9-]{1,80})"
# (path, methods) a store's embedding site may call. GET /stores/{slug}/bookings is the
# manager's list: only POST (a client booking) is public there.
PUBLIC_BOOKING_ROUTES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(methods)) for pattern, methods in (
        (rf"^/api/v1/stores/{SLUG}$", {"GET", "HEAD"}),
        (rf"^/api/v1/stores/{SLUG}/services$", {"GET", "HEAD"}),
        (rf"^/api/v1/stores/{SLUG}/services/\d+$", {"GET", "HEAD"}),
        (rf"^/api/v1/stores/{SLUG}/services/\d+/availability$", {"GET", "HEAD"}),
        (rf"^/api/v1/stores/{SLUG}/bookings$", {"POST"}),
    )
)
PUBLIC_HEADERS = ("accept", "accept-language", "authorization", "content-language", "content-type",
                  "idempotency-key", "x-request-id")
APP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
EXPOSED_HEADERS = "Retry-After, X-Request-ID"
MAX_AGE = "600"
NEVER_CROSS_ORIGIN = ("/admin",)


def origin_of(url: str) -> str:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port and port != default else "")


@lru_cache(maxsize=1)
def app_origins() -> frozenset[str]:
    settings = get_settings()
    origins = {origin_of(settings.public_base_url), *get_security_settings().extra_app_origins}
    if not settings.is_production:
        # Development: pages on PORT (Vite in dev mode) talk to the backend on another port.
        origins |= {f"http://localhost:{settings.port}", f"http://127.0.0.1:{settings.port}"}
    return frozenset(o for o in origins if o)


def reset_app_origins() -> None:
    app_origins.cache_clear()


@dataclass(frozen=True)
class Grant:
    """What one origin may do on one path."""

    methods: tuple[str, ...]
    headers: tuple[str, ...] | None   # None: whatever the preflight asks for (own origins)
    credentials: bool


async def policy_for(slug: str) -> EmbedPolicy | None:
    """The store's embedding policy; a cache miss reads the database off the event loop."""
    hit, policy = cached_embed_policy(slug)
    if not hit:
        policy = await anyio.to_thread.run_sync(embed_policy, slug)
    return policy


def public_route_slug(path: str, method: str) -> str | None:
    """The store slug when `method path` is one of the public booking endpoints."""
    for pattern, methods in PUBLIC_BOOKING_ROUTES:
        found = pattern.match(path)
        if found and method in methods:
            return found["slug"].lower()
    return None


async def grant_for(origin: str | None, path: str, method: str) -> Grant | None:
    if not origin or path.startswith(NEVER_CROSS_ORIGIN):
        return None
    if origin in app_origins():
        return Grant(APP_METHODS, None, True)
    slug = public_route_slug(path, method)
    if slug is None:
        return None
    policy = await policy_for(slug)
    if policy is None or not policy.allows(origin):
        return None
    methods = next(tuple(sorted(ms)) for pattern, ms in PUBLIC_BOOKING_ROUTES if pattern.match(path))
    return Grant(methods, PUBLIC_HEADERS, False)


def _vary_origin(headers: MutableHeaders) -> None:
    values = [v.strip() for value in headers.getlist("vary") for v in value.split(",") if v.strip()]
    del headers["vary"]
    if "origin" not in {v.lower() for v in values}:
        values.append("Origin")
    headers["Vary"] = ", ".join(dict.fromkeys(values))


def _strip_cors(headers: MutableHeaders) -> None:
    for name in {k for k in headers.keys() if k.lower().startswith("access-control-")}:
        del headers[name]


class CrossOriginPolicy:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        path, method = scope["path"], scope["method"]
        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(scope, receive, send, headers, origin, path)
            return
        grant = await grant_for(origin, path, method) if origin else None

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                _strip_cors(out)
                if grant is not None:
                    out["Access-Control-Allow-Origin"] = origin
                    out["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                    if grant.credentials:
                        out["Access-Control-Allow-Credentials"] = "true"
                _vary_origin(out)
            await send(message)

        await self.app(scope, receive, send_with_policy)

    async def _preflight(self, scope, receive, send, headers: Headers, origin: str, path: str) -> None:
        wanted = headers["access-control-request-method"].upper()
        asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
        grant = await grant_for(origin, path, wanted)
        out = {"Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"}
        if grant is None or wanted not in grant.methods or (
                grant.headers is not None and any(h not in grant.headers for h in asked)):
            await PlainTextResponse("Cross-origin request not allowed", status_code=403, headers=out)(scope, receive, send)
            return
        out.update({
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(grant.methods),
            "Access-Control-Max-Age": MAX_AGE,
        })
        allowed_headers = asked if grant.headers is None else grant.headers
        if allowed_headers:
            out["Access-Control-Allow-Headers"] = ", ".join(allowed_headers)
        if grant.credentials:
            out["Access-Control-Allow-Credentials"] = "true"
        await PlainTextResponse("", status_code=204, headers=out)(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        host = headers.get("host", "").lower()
        if origin is None or origin in app_origins() or urlsplit(origin).netloc.lower() == host:
            await self.app(scope, receive, send)
            return
        message = await receive()   # websocket.connect; closing before accepting answers 403
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 1008})
