"""Landing page at `/` and the not-found page (Reflex's special route "404")."""

from __future__ import annotations

import reflex as rx

APP_TITLE = "Appointment Hub"


def home() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading(APP_TITLE, size="8", id="app-title"),
            rx.text(
                "Book appointments with the businesses you trust. "
                "Store owners manage services, staff and payments in one place."
            ),
            rx.hstack(
                rx.link(rx.button("Sign in"), href="/login"),
                rx.link(rx.button("Admin", variant="outline"), href="/admin/"),
                spacing="3",
            ),
            spacing="5",
            padding_y="4em",
        ),
    )


def not_found() -> rx.Component:
    return rx.container(
        rx.vstack(
            rx.heading("Page not found", size="7"),
            rx.text("The page you asked for does not exist."),
            rx.link("Back to the start page", href="/"),
            spacing="4",
            padding_y="4em",
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(home, route="/", title=APP_TITLE)
    app.add_page(not_found, route="404", title=f"Not found · {APP_TITLE}")
