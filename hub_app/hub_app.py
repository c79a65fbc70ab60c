"""The Reflex app object (`hub_app.hub_app:app`, found by Reflex through rxconfig app_name).

Pages are registered in `hub_app/pages/__init__.py`; extra HTTP routes (API, admin,
webhooks, /ready) in `hub_app/api/app.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import reflex as rx
from starlette.types import ASGIApp

from hub_app.api.app import wrap_reflex
from hub_app.pages import register_pages
from hub_app.pages.app_head import STYLESHEETS, head_components
from hub_app.pages.embed import framed_storage_fallback
from hub_app.security.cors import CrossOriginPolicy
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

# Fail at start-up, not at the first login, when production runs with a placeholder secret.
get_settings().check_for_production()


@contextlib.asynccontextmanager
async def embedded_dramatiq_worker():
    """Without REDIS_URL, messages sit in an in-memory StubBroker: consume them in this process.

    With REDIS_URL, separate `dramatiq workers.actors` processes consume, so nothing runs here.
    Started in the lifespan (not at import) so it lives in each server worker process, after
    Granian forks, and stops cleanly with the server.
    """
    from workers.broker import uses_stub_broker

    if not uses_stub_broker():
        yield
        return
    from workers.embedded import start_embedded_worker, stop_embedded_worker

    worker = start_embedded_worker(worker_threads=2)
    try:
        yield
    finally:
        # Worker.stop joins threads (blocking): keep the event loop free while it does.
        await asyncio.to_thread(stop_embedded_worker, worker)


@contextlib.asynccontextmanager
async def database_role_check():
    """Production refuses to serve as a database user that row-level security does not bind
    (superuser, BYPASSRLS, or the tables' owner): checked when the server starts, not at build."""
    from hub_app.db import get_engine
    from hub_app.row_security import check_app_role

    if get_settings().is_production:
        await asyncio.to_thread(check_app_role, get_engine())
    yield


class HubApp(rx.App):
    """Reflex's app with our cross-origin policy around everything it serves.

    Reflex wraps the backend in Starlette's CORS middleware reflecting any Origin with
    credentials (its `cors_allowed_origins` default), outside our `api_transformer`. The server
    calls the app object to get the ASGI app (a factory), so the policy goes around that:
    it answers preflights itself and rewrites every Access-Control-* header
    (hub_app/security/cors.py).
    """

    def __call__(self) -> ASGIApp:
        return CrossOriginPolicy(super().__call__())


app = HubApp(
    # A callable, not an instance: Reflex calls it with its own ASGI app each time it builds
    # the backend, and we return a NEW FastAPI app wrapping it (see hub_app/api/app.py).
    api_transformer=wrap_reflex,
    # First, before the app's own scripts: the /embed page framed on a site whose browser refuses
    # it storage. Then the manifest, theme colour and home-screen icon on every page.
    head_components=[framed_storage_fallback(), *head_components()],
    # The contrast fixes.
    stylesheets=STYLESHEETS,
)
register_pages(app)
app.register_lifespan_task(database_role_check)
app.register_lifespan_task(embedded_dramatiq_worker)
