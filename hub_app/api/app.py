"""The ASGI app that carries every non-Reflex route: `/ready`, `/api/v1`, `/admin`, `/webhooks`.

Reflex wraps it around its own backend (`rx.App(api_transformer=...)`), so in production all
of it answers on the same single port as the pages, `/_event` and `/ping`. Our routes win
over Reflex's because Reflex is mounted as the catch-all at "" below them.

`create_api()` must build a NEW app on every call: Reflex adds middleware to the app it is
given, and Starlette refuses middleware on an app that has already started (tests and the
AppHarness build the Reflex app more than once per process).
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

import sqlalchemy
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from hub_app.api import exports as csv_exports
from hub_app.api.embed_assets import router as embed_assets_router
from hub_app.api.routers import V1_ROUTER_MODULES
from hub_app.api.seo import sitemap
from hub_app.api.seo.store_shell import StorePageHeads
from hub_app.api.v1.errors import install_error_handlers
from hub_app.api.v1.ranges import RANGE_RULE
from hub_app.security.install import install_protections
from hub_app.settings import get_settings
from workers.jobs import connect_after_commit_hooks

logger = logging.getLogger(__name__)

API_TITLE = "Appointment Hub API"
API_VERSION = "1.0.0"


# --- what attaches to the app ------------------------------------------------------------------


def include_v1_routers(v1_app: FastAPI) -> None:
    """Include `router` of each module listed in `hub_app/api/routers.py`."""
    for module in V1_ROUTER_MODULES:
        v1_app.include_router(module.router)


def mount_admin(app: FastAPI) -> None:
    """Attach SQLAdmin at /admin."""
    # Imported here: SQLAdmin and its views load with the app, not with every API import.
    from admin.setup import mount_admin as mount

    mount(app)


def include_webhooks(app: FastAPI) -> None:
    """Attach the provider webhooks (`hub_app.api.webhooks`)."""
    from hub_app.api.webhooks import router

    app.include_router(router)


def include_calendar_feeds(app: FastAPI) -> None:
    """The ICS subscription feeds a calendar app reads."""
    from hub_app.api.calendar_feeds import router

    app.include_router(router)


class UploadedFiles(StaticFiles):
    """Files under the upload directory; anything that cannot be served is a 404, never a 500.

    The directory only appears with the first photo, so on a fresh deployment it is missing, which
    Starlette's one-off directory check reports as a server error on every request.
    """

    async def check_config(self) -> None:
        return None  # a missing directory just means nothing is there yet

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return super().lookup_path(path)
        except OSError:  # unreadable, a symlink loop, a name too long: nothing to serve either way
            return "", None


def mount_uploads(app: FastAPI) -> None:
    """Serve uploaded store photos at /uploads from settings.upload_dir (written only by
    hub_app.domain.stores.photos, which re-encodes every image under a random name)."""
    app.mount("/uploads", UploadedFiles(directory=str(get_settings().upload_dir), check_dir=False), name="uploads")


# --- readiness ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _readiness_engine(url: str) -> sqlalchemy.Engine:
    # One small pool per URL, reused across probes; pre-ping drops connections the database
    # closed, so a restarted PostgreSQL is reported ready again without restarting the app.
    # connect_timeout: an unreachable PostgreSQL host must fail the probe, not hang it.
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
    return sqlalchemy.create_engine(
        url, pool_pre_ping=True, pool_size=1, max_overflow=1, connect_args=connect_args
    )


def check_database() -> str:
    with _readiness_engine(get_settings().app_database_url).connect() as conn:
        conn.execute(sqlalchemy.text("SELECT 1"))
    return "ok"


def check_redis() -> str:
    url = get_settings().redis_url
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def ready() -> JSONResponse:
    """200 when the database (and Redis, if configured) answer, 503 with the failure otherwise.

    A plain `def`: FastAPI runs it in a thread, so blocking driver calls do not stall the loop.
    """
    body: dict[str, str] = {}
    healthy = True
    for name, check in (("database", check_database), ("redis", check_redis)):
        try:
            body[name] = check()
        except Exception as exc:  # any failure means "not ready"; say which and why
            healthy = False
            body[name] = f"error: {type(exc).__name__}"
            logger.warning("Readiness check %s failed: %s", name, exc)
    return JSONResponse(body, status_code=200 if healthy else 503)


# --- factory --------------------------------------------------------------------------------


def create_v1_app() -> FastAPI:
    # Paths are relative to the mount point: served at /api/v1/openapi.json and /api/v1/docs.
    v1_app = FastAPI(
        title=API_TITLE,
        version=API_VERSION,
        description=RANGE_RULE,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    include_v1_routers(v1_app)
    install_error_handlers(v1_app)
    return v1_app


def create_api() -> FastAPI:
    """Build a NEW outer app (see module docstring for why it must be new every time)."""
    # No docs on the outer app: its /docs and /openapi.json would shadow Reflex page routes.
    app = FastAPI(title=API_TITLE, docs_url=None, redoc_url=None, openapi_url=None)
    # Notifications, calendar pushes and outbound webhooks of a request's bookings are queued
    # the moment its transaction commits.
    connect_after_commit_hooks()
    app.add_api_route("/ready", ready, methods=["GET"], include_in_schema=False)
    app.mount("/api/v1", create_v1_app())
    include_webhooks(app)
    include_calendar_feeds(app)
    app.include_router(csv_exports.router)  # /exports/<token>: the dashboard's CSV downloads
    app.include_router(sitemap.router)   # /sitemap.xml, /robots.txt
    app.include_router(embed_assets_router)  # /embed.js and /embed/frame.js
    mount_uploads(app)
    mount_admin(app)
    # Answers no route gives (a path the mounts cannot match, such as /api/v1/a%0Ab) and errors
    # of the outer routes use the API's one error shape too.
    install_error_handlers(app)
    # /metrics, request ids and JSON logs, security headers, body and rate limits, clean 503s.
    install_protections(app)
    return app


def wrap_reflex(reflex_asgi: ASGIApp) -> ASGIApp:
    """The `api_transformer` given to Reflex: our routes first, Reflex as the catch-all (a store's
    page gets its head tags on the way: hub_app/api/seo/store_shell.py)."""
    app = create_api()
    app.mount("", StorePageHeads(reflex_asgi))
    return app
