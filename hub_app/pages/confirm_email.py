"""`/confirm-email?token=…`: confirming a new email address with the link sent to it."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import layout, loading_view, page_title, tr
from hub_app.state.confirm_email import ConfirmEmailState as C


def confirm_email_page() -> rx.Component:
    done = rx.vstack(
        rx.callout(C.confirm_message, color_scheme="green", role="status", id="confirm-email-done"),
        rx.link(rx.button(tr("nav.sign_in"), size="3"), href="/login"),
        spacing="4",
    )
    refused = rx.callout(C.confirm_message, color_scheme="red", role="alert", id="confirm-email-refused")
    return layout(rx.vstack(
        rx.heading(tr("confirm_email.title"), size="8", as_="h1"),
        rx.match(C.confirm_status, ("done", done), ("refused", refused), loading_view()),
        spacing="4", width="100%", max_width="30em",
    ))


def register(app: rx.App) -> None:
    app.add_page(confirm_email_page, route="/confirm-email", title=page_title("title.confirm_email"),
                 on_load=[C.open_confirmation])
