"""Put the protective and observability middlewares on the outer app, in the right order.

Outermost first (Starlette runs the middleware added LAST first, so they are added in reverse):

1. proxy headers    - the real client address and scheme, only from TRUSTED_PROXIES;
2. request context  - X-Request-ID, access log line, request metrics (sees every answer below);
3. security headers - on every answer, refusals below included;
4. 503 translation  - database/Redis unreachable -> 503 service_unavailable + Retry-After;
5. body size limit  - 413 before anything reads a large body;
6. rate limits      - 429 + Retry-After on sign-in and booking;
7. the routes (API, webhooks, admin, /metrics, /ready, and the Reflex app as catch-all).
"""

from __future__ import annotations

from fastapi import FastAPI

from hub_app.observability import install_observability
from hub_app.observability.unavailable import ServiceUnavailableMiddleware
from hub_app.security.attempts import limiter_prefix
from hub_app.security.body_limit import BodyLimitMiddleware
from hub_app.security.config import get_security_settings
from hub_app.security.headers import SecurityHeadersMiddleware
from hub_app.security.ratelimit import RateLimiter, limiter_for
from hub_app.security.throttle import RateLimitMiddleware, rules_from
from hub_app.settings import get_settings


def shared_limiter() -> RateLimiter:
    return limiter_for(get_settings().redis_url, prefix=limiter_prefix(),
                       timeout_seconds=get_security_settings().rate_limit_redis_timeout_seconds)


def install_protections(app: FastAPI, *, limiter: RateLimiter | None = None) -> None:
    settings = get_security_settings()
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimitMiddleware, limiter=limiter or shared_limiter(), rules=rules_from(settings))
    app.add_middleware(BodyLimitMiddleware, limit=settings.body_limit_bytes,
                       upload_limit=settings.upload_body_limit_bytes)
    app.add_middleware(ServiceUnavailableMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    install_observability(app)  # /metrics and the request-context middleware
    if settings.trusted_proxy_list:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
