"""Landing page at `/` and the not-found page (Reflex's special route "404"), in the language
chosen in the header like every other page."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import tr

# The brand, the same in every language; a route's <title> is fixed when the pages are built.
APP_TITLE = "Appointment Hub"


def home() -> rx.Component:
    return rx.el.main(rx.container(
        rx.vstack(
            rx.heading(tr("app.name"), size="8", id="app-title"),
            rx.text(tr("home.tagline")),
            rx.hstack(
                rx.link(rx.button(tr("nav.sign_in")), href="/login"),
                rx.link(rx.button(tr("home.admin"), variant="outline"), href="/admin/"),
                spacing="3",
            ),
            spacing="5",
            padding_y="4em",
        ),
    ))


def not_found() -> rx.Component:
    return rx.el.main(rx.container(
        rx.vstack(
            rx.heading(tr("notfound.title"), size="7"),
            rx.text(tr("notfound.text")),
            rx.link(tr("nav.home"), href="/"),
            spacing="4",
            padding_y="4em",
        ),
    ))


def register(app: rx.App) -> None:
    app.add_page(home, route="/", title=APP_TITLE)
    app.add_page(not_found, route="404", title=APP_TITLE)
