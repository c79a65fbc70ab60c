"""`/invite?token=…`: accept a store's invitation (signed in as a client, or by registering)."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import form_field, layout, loading_view, notice, page_title, tr
from hub_app.state.invite import InviteState as S


def narrow(*children: rx.Component) -> rx.Component:
    return rx.vstack(*children, spacing="4", width="100%", max_width="30em")


def register_form() -> rx.Component:
    fields = [("first_name", "text", "given-name"), ("last_name", "text", "family-name"), ("phone", "tel", "tel"),
              ("address", "text", "street-address"), ("age", "number", "off"), ("password", "password", "new-password")]
    return rx.form(
        rx.vstack(
            # The account gets the invited address (the link reached that mailbox).
            rx.el.input(type="email", name="username", value=S.invite_email, auto_complete="username", read_only=True,
                        hidden=True),
            *[form_field(tr(f"field.{name}"), name, S.field_errors.get(name, ""), "", kind, auto, "accept")
              for name, kind, auto in fields],
            rx.button(tr("invite.register_and_accept"), type="submit", size="3", id="invite-register"),
            spacing="3", width="100%", align="start",
        ),
        on_submit=S.register_and_accept, reset_on_submit=False, width="100%",
    )


def invite_page() -> rx.Component:
    ready = narrow(
        rx.heading(tr("invite.title"), size="8", as_="h1"),
        rx.text(S.invite_store, weight="bold", size="5", id="invite-store"),
        rx.text(S.invite_email, id="invite-address"),
        rx.text(tr("invite.hint_person"), size="2", color_scheme="gray"),
        notice(S.invite_error, id_="invite-error"),
        rx.cond(
            S.user_role == "client",
            rx.button(tr("invite.accept"), on_click=S.accept, size="3", id="invite-accept"),
            rx.vstack(
                rx.text(tr("invite.sign_in_first")),
                rx.link(rx.button(tr("nav.sign_in"), variant="soft", size="3"), href=S.sign_in_path,
                        id="invite-sign-in"),
                register_form(),
                spacing="3", width="100%",
            ),
        ),
    )
    refused = narrow(
        rx.heading(tr("invite.title"), size="8", as_="h1"),
        rx.callout(S.invite_error, color_scheme="red", role="alert", id="invite-refused"),
    )
    done = narrow(
        rx.heading(tr("invite.title"), size="8", as_="h1"),
        rx.callout(S.invite_done, color_scheme="green", role="status", id="invite-done"),
        rx.link(rx.button(tr("account.title"), size="3"), href="/account", id="invite-account"),
    )
    return layout(rx.match(S.invite_status, ("ready", ready), ("refused", refused), ("done", done), loading_view()))


def register(app: rx.App) -> None:
    app.add_page(invite_page, route="/invite", title=page_title("title.invite"), on_load=[S.open_invite])
