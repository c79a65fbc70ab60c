"""Reflex configuration, derived from the one settings object (hub_app/settings.py).

Reflex also reads REFLEX_<FIELD> env vars, which override what is set here; plain
DATABASE_URL / REDIS_URL / PORT are read through our settings.
"""

import reflex as rx

from hub_app.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="hub_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Used by rx.session(); the domain layer builds its own engine from the same URL.
    db_url=settings.app_database_url,
    # Set -> Reflex keeps state in Redis (required with more than one server worker).
    # Unset -> state on local disk (.states/), fine for one worker.
    redis_url=settings.redis_url,
    # `reflex run --env prod` serves pages, /_event, /ping and our API on this ONE port
    # (it sets backend_port to the same value itself). backend_port is deliberately not set:
    # in dev mode the backend needs its own port (default 8000) next to the Vite server, and
    # setting both to PORT would make them collide.
    frontend_port=settings.port,
    # Radix Themes must be enabled here (App(theme=...) is deprecated since 0.9).
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal"))],
    # On by default; we publish no sitemap.xml.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
