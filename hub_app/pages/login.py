"""`/login`: sign in and out, for clients (back to where they came from) and managers (/manage)."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import form_field, layout, page_title, tr
from hub_app.state.session import LoginState, SessionState


def login_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_field(tr("field.email"), "email", LoginState.login_error, "", "email", "email", "login"),
            form_field(tr("field.password"), "password", "", "", "password", "current-password", "login"),
            rx.button(tr("nav.sign_in"), type="submit", size="3", id="login-submit"),
            rx.link(tr("login.forgot"), href="/forgot-password", size="2", id="login-forgot"),
            spacing="3",
            width="100%",
            align="start",
        ),
        on_submit=LoginState.sign_in,
        reset_on_submit=False,
        no_validate=True,  # our rules name a bad field, not the browser's bubble (see booking.py)
        width="100%",
    )


def login_page() -> rx.Component:
    return layout(
        rx.vstack(
            rx.heading(tr("login.title"), size="8", as_="h1"),
            rx.cond(
                SessionState.signed_in,
                rx.vstack(
                    rx.text(tr("login.signed_in_as") + " " + SessionState.user_name, id="signed-in-as"),
                    rx.hstack(
                        rx.link(rx.button(tr("nav.account")),
                                href=rx.cond(SessionState.user_role == "client", "/account", "/manage")),
                        rx.button(tr("nav.sign_out"), on_click=SessionState.sign_out, variant="outline",
                                  id="login-sign-out"),
                        spacing="3",
                    ),
                    spacing="3",
                ),
                rx.vstack(login_form(), rx.text(tr("login.new_here"), size="2", color_scheme="gray"),
                          spacing="4", width="100%"),
            ),
            spacing="4",
            width="100%",
            max_width="26em",
        )
    )


def register(app: rx.App) -> None:
    app.add_page(login_page, route="/login", title=page_title("title.login"), on_load=[LoginState.open_login])
