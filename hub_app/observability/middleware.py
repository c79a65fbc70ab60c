"""Per-request context: the request id (X-Request-ID in and out), the access log line, metrics.

The route label is the matched route's template (Starlette records the matched route in the
scope; mounts add their prefix through root_path), so `/api/v1/stores/alpha/bookings` and
`/api/v1/stores/beta/bookings` are one series. Pages and static files of the Reflex frontend are
one `/{path}` series; anything no route matched is `unmatched`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.observability.logging import request_id_var
from hub_app.observability.metrics import observe_request

access_log = logging.getLogger("hub_app.access")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Probes and scrapes: logged at DEBUG so they do not drown the log.
QUIET_ROUTES = frozenset({"/ping", "/ready", "/metrics", "/_health"})
FRONTEND_ROUTE = "/{path}"


def masked_ip(ip: str | None) -> str | None:
    """The client's network, not the person: 203.0.113.x / 2001:db8:1:2::."""
    if not ip:
        return None
    if ":" in ip:
        return ":".join(ip.split(":")[:4]) + "::"
    parts = ip.split(".")
    return ".".join(parts[:3] + ["x"]) if len(parts) == 4 else ip


def incoming_request_id(scope: Scope) -> str:
    value = Headers(scope=scope).get("x-request-id", "")
    return value if _VALID_REQUEST_ID.match(value) else uuid.uuid4().hex


def route_template(scope: Scope, base_root_path: str) -> str:
    route = scope.get("route")
    if route is None:
        return "unmatched"
    root = scope.get("root_path", "") or ""
    prefix = root.removeprefix(base_root_path)
    if isinstance(route, Mount):
        # The request reached a mount but no route inside it (static files, or a 404 there).
        return f"{prefix.rstrip('/')}/{{path}}" if prefix else FRONTEND_ROUTE
    path = getattr(route, "path", None)
    return f"{prefix.rstrip('/')}{path}" if path else "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        token = request_id_var.set(request_id)
        try:
            if scope["type"] == "websocket":
                await self.app(scope, receive, send)
                return
            await self._http(scope, receive, send, request_id)
        finally:
            request_id_var.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        base_root_path = scope.get("root_path", "") or ""
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope, base_root_path)
            observe_request(scope["method"], route, status, elapsed)
            quiet = route in QUIET_ROUTES or (route == FRONTEND_ROUTE and status < 400)
            client = scope.get("client")
            access_log.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s %.1fms", scope["method"], scope["path"], status, elapsed * 1000,
                extra={"method": scope["method"], "path": scope["path"], "route": route, "status": status,
                       "duration_ms": round(elapsed * 1000, 1), "client": masked_ip(client[0] if client else None)},
            )
