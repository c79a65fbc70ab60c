"""Every page of the app is registered here, and only here.

To add pages: create `hub_app/pages/<name>.py` with a `register(app: rx.App) -> None` that
calls `app.add_page(...)` (route, title, on_load), then import it below and append it to PAGE_MODULES.
Order matters only for readability: Reflex matches static routes before dynamic ones.
"""

from __future__ import annotations

import reflex as rx

from hub_app.pages import account, booking, confirm_email, embed, home, invite, login, password, store
from hub_app.pages.manage import (
    bookings, calendars, clients, integrations, notifications, overview, services, subscription,
)
from hub_app.pages.manage import store as manage_store

PAGE_MODULES = (
    home,
    login,
    account,
    store,
    booking,
    embed,
    overview,
    bookings,
    services,
    calendars,
    manage_store,
    clients,
    notifications,
    subscription,
    password,
    confirm_email,
    invite,
    integrations,
)


def register_pages(app: rx.App) -> None:
    for module in PAGE_MODULES:
        module.register(app)
