"""Operations: Prometheus metrics (/metrics), JSON logs with request ids, clean 503s on outages.

`install_observability(app)` is called once per app by hub_app.api.app.create_api().
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from hub_app.observability.logging import configure_logging
from hub_app.observability.metrics import render_metrics
from hub_app.observability.middleware import RequestContextMiddleware
from hub_app.security.config import get_security_settings


def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition. A plain `def`: the scrape reads the database in a worker thread."""
    import hmac

    token = get_security_settings().metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JSONResponse({"error": {"code": "not_authenticated", "message": "Bearer token required.",
                                           "fields": {}}}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    body, content_type = render_metrics()
    return Response(body, media_type=content_type)


def install_observability(app: FastAPI) -> None:
    """Add /metrics and the request-context middleware (request id, access log, metrics).

    Called by hub_app.security.install.install_protections, which orders every middleware.
    """
    configure_logging()

    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(RequestContextMiddleware)
