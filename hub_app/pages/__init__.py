"""Every page of the app is registered here, and only here.

To add pages: create `hub_app/pages/<name>.py` with a `register(app: rx.App) -> None` that
calls `app.add_page(...)` (route, title, on_load), then append the module to PAGE_MODULES.
Order matters only for readability: Reflex matches static routes before dynamic ones.
"""

from __future__ import annotations

import importlib

import reflex as rx

PAGE_MODULES: list[str] = [
    "hub_app.pages.home",
    "hub_app.pages.login",
    "hub_app.pages.account",
    "hub_app.pages.store",
    "hub_app.pages.booking",
    "hub_app.pages.embed",
    "hub_app.pages.manage.overview",
    "hub_app.pages.manage.bookings",
    "hub_app.pages.manage.services",
    "hub_app.pages.manage.calendars",
    "hub_app.pages.manage.store",
    "hub_app.pages.manage.clients",
    "hub_app.pages.manage.notifications",
    "hub_app.pages.manage.subscription",
    "hub_app.pages.password",
    "hub_app.pages.confirm_email",
    "hub_app.pages.invite",
    "hub_app.pages.manage.integrations",
]


def register_pages(app: rx.App) -> None:
    for module_path in PAGE_MODULES:
        importlib.import_module(module_path).register(app)
