"""`/set-password?token=…` (a new manager's first password, or a reset) and `/forgot-password`."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import form_field, layout, loading_view, notice, page_title, tr
from hub_app.state.password import ForgotPasswordState as F
from hub_app.state.password import SetPasswordState as S


def narrow(*children: rx.Component) -> rx.Component:
    return rx.vstack(*children, spacing="4", width="100%", max_width="26em")


def choose_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            # For password managers: the account the new password belongs to.
            rx.el.input(type="email", name="username", value=S.link_email, auto_complete="username", read_only=True,
                        hidden=True),
            form_field(tr("field.new_password"), "password", S.field_errors.get("password", ""), "", "password",
                       "new-password", "setpw"),
            form_field(tr("field.confirm_password"), "confirm_password", S.field_errors.get("confirm_password", ""),
                       "", "password", "new-password", "setpw"),
            notice(S.form_error, id_="setpw-error"),
            rx.button(tr("setpw.save"), type="submit", size="3", id="setpw-submit"),
            spacing="3", width="100%", align="start",
        ),
        on_submit=S.choose, reset_on_submit=False, width="100%",
    )


def set_password_page() -> rx.Component:
    ready = narrow(
        rx.heading(rx.cond(S.link_purpose == "reset", tr("setpw.reset_title"), tr("setpw.title")), size="8",
                   as_="h1", id="setpw-title"),
        rx.text(tr("setpw.for_account") + " ", rx.text(S.link_email, as_="span", weight="bold", id="setpw-email")),
        choose_form(),
    )
    refused = narrow(
        rx.heading(tr("setpw.refused_title"), size="8", as_="h1"),
        rx.callout(S.link_error, color_scheme="red", role="alert", id="setpw-refused"),
        rx.flex(
            rx.link(rx.button(tr("setpw.ask_new_link"), size="3"), href="/forgot-password", id="setpw-new-link"),
            rx.link(rx.button(tr("nav.sign_in"), variant="soft", size="3"), href="/login"),
            spacing="3", wrap="wrap",
        ),
        rx.text(tr("setpw.new_manager_hint"), size="2", color_scheme="gray"),
    )
    done = narrow(
        rx.heading(tr("setpw.done_title"), size="8", as_="h1"),
        rx.callout(tr("setpw.done"), color_scheme="green", role="status", id="setpw-done"),
        rx.link(rx.button(tr("nav.sign_in"), size="3"), href="/login", id="setpw-sign-in"),
    )
    return layout(rx.match(S.link_status, ("ready", ready), ("refused", refused), ("done", done), loading_view()))


def forgot_password_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            # No default from state: it would arrive after the page shows and race with typing
            # (what is typed stays after a refused attempt: the form is not reset on submit).
            form_field(tr("field.email"), "email", F.reset_error, "", "email", "email", "forgot"),
            rx.button(tr("forgot.send"), type="submit", size="3", id="forgot-submit"),
            spacing="3", width="100%", align="start",
        ),
        on_submit=F.ask, reset_on_submit=False, width="100%",
        no_validate=True,  # our rules name a bad field, not the browser's bubble (see booking.py)
    )
    return layout(narrow(
        rx.heading(tr("forgot.title"), size="8", as_="h1"),
        rx.text(tr("forgot.intro")),
        rx.cond(F.reset_sent != "",
                rx.callout(F.reset_sent, color_scheme="green", role="status", id="forgot-sent"),
                form),
        rx.link(tr("forgot.back_to_sign_in"), href="/login", id="forgot-back"),
    ))


def register(app: rx.App) -> None:
    app.add_page(set_password_page, route="/set-password", title=page_title("title.set_password"), on_load=[S.open_link])
    app.add_page(forgot_password_page, route="/forgot-password", title=page_title("title.forgot_password"), on_load=[F.open_forgot])
