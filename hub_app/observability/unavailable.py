"""Turn "the database or Redis cannot be reached" into a clean 503 with Retry-After.

While PostgreSQL restarts (or Redis is down and a route must reach it), a request fails with a
driver connection error. Without this layer the client would get a 500 `internal_error`, which
reads as a bug; with it, `503 {"error": {"code": "service_unavailable", ...}}` and Retry-After,
which clients and proxies know to retry. Nothing was committed: the transaction either failed
before COMMIT or PostgreSQL rolled it back with the connection.

The API sub-app answers unhandled exceptions with its own 500 JSON and then re-raises them (as
Starlette does); a 500 is therefore held back here until it is known whether an outage caused it.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_app.i18n import t
from hub_app.security.responses import scope_locale, send_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def is_outage(exc: BaseException) -> bool:
    """True for errors that mean a backing service is unreachable, not that the request is wrong."""
    import sqlalchemy.exc as sa_exc

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (sa_exc.OperationalError, sa_exc.TimeoutError)):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if _is_redis_connection_error(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_redis_connection_error(exc: BaseException) -> bool:
    try:
        import redis.exceptions as redis_exc
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(exc, (redis_exc.ConnectionError, redis_exc.TimeoutError))


class ServiceUnavailableMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        started = False

        async def hold_500(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                if message["status"] == 500:
                    held.append(message)
                    return
                started = True
            elif held:
                held.append(message)
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_500)
        except Exception as exc:
            if started or not is_outage(exc):
                await self._flush(held, send)
                raise
            logger.warning("%s %s: backing service unavailable (%s: %s)", scope["method"], scope["path"],
                           type(exc).__name__, str(exc).splitlines()[0][:200] if str(exc) else "")
            await send_error(send, 503, "service_unavailable", t("security.service_unavailable", scope_locale(scope)),
                             headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            return
        await self._flush(held, send)

    @staticmethod
    async def _flush(held: list[Message], send: Send) -> None:
        for message in held:
            await send(message)
        held.clear()
