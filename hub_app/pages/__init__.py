"""Every page of the app is registered here, and only here.

To add pages: create `hub_app/pages/<name>.py` (a dashboard section: `hub_app/manage/<section>/page.py`)
with a `register(app: rx.App) -> None` that calls `app.add_page(...)` (route, title, on_load), then
import it below and append it to PAGE_MODULES.
Order matters only for readability: Reflex matches static routes before dynamic ones.
"""

from __future__ import annotations

import reflex as rx

from hub_app.pages import account, booking, confirm_email, embed, home, invite, login, password, store
from hub_app.manage.bookings import page as manage_bookings
from hub_app.manage.calendars import page as manage_calendars
from hub_app.manage.clients import page as manage_clients
from hub_app.manage.integrations import page as manage_integrations
from hub_app.manage.notifications import page as manage_notifications
from hub_app.manage.overview import page as manage_overview
from hub_app.manage.services import page as manage_services
from hub_app.manage.store import page as manage_store
from hub_app.manage.subscription import page as manage_subscription

PAGE_MODULES = (
    home,
    login,
    account,
    store,
    booking,
    embed,
    manage_overview,
    manage_bookings,
    manage_services,
    manage_calendars,
    manage_store,
    manage_clients,
    manage_notifications,
    manage_subscription,
    password,
    confirm_email,
    invite,
    manage_integrations,
)


def register_pages(app: rx.App) -> None:
    for module in PAGE_MODULES:
        module.register(app)
