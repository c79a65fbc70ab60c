"""/manage/clients: everyone who booked here (or accepted an invitation), their history here,
export, a message, and inviting someone new."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.clients.state import ClientPrivacyState as P
from hub_app.manage.clients.state import ClientsState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.pages.components import tr


def client_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.button(row["name"], variant="ghost", size="2", on_click=S.open_client(row["id"]),
                                custom_attrs={"data-client-id": row["id"]})),
        rx.table.cell(rx.text(row["email"], size="2"), rx.text(row["phone"], size="1", color_scheme="gray")),
        rx.table.cell(row["bookings"], text_align="right"),
        rx.table.cell(row["last"]),
    )


def message_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("manage.clients.message"), size="3", as_="h3"),
            widgets.grid(
                widgets.select(tr("manage.notifications.channel"), "channel", [("sms", "SMS"), ("email", "Email")], prefix="cm"),
                widgets.field(tr("manage.notifications.subject"), "subject", "", prefix="cm",
                         hint=tr("manage.notifications.subject_hint")),
            ),
            widgets.textarea(tr("manage.notifications.body"), "body", "", prefix="cm", rows="3"),
            rx.text(tr("manage.notifications.placeholders"), size="1", color_scheme="gray"),
            rx.button(tr("manage.notifications.send"), type="submit", id="client-message-send"),
            spacing="2", width="100%",
        ),
        on_submit=S.send, reset_on_submit=False, key=S.message_key, width="100%",
    )


def invite_form() -> rx.Component:
    """Someone who never booked here joins only by accepting the emailed invitation."""
    return widgets.section(
        tr("invite.title"),
        rx.text(tr("invite.hint"), size="2", color_scheme="gray"),
        rx.form(
            rx.vstack(
                widgets.grid(
                    widgets.field(tr("field.email"), "email", "", type_="email", prefix="invite"),
                    widgets.field(tr("field.first_name"), "first_name", "", prefix="invite"),
                    widgets.field(tr("field.last_name"), "last_name", "", prefix="invite"),
                    min_width="12em",
                ),
                rx.button(tr("invite.send"), type="submit", id="invite-send"),
                spacing="2", width="100%",
            ),
            on_submit=S.invite, reset_on_submit=True, key=S.invite_key, width="100%",
        ),
        rx.cond(S.invitations.length() > 0, rx.vstack(
            rx.heading(tr("invite.pending"), size="3", as_="h3"),
            rx.foreach(S.invitations, lambda r: rx.text(r["email"] + " " + r["name"] + " · " + r["sent"], size="2")),
            spacing="1", width="100%", id="pending-invitations",
        )),
        id_="invite-client",
    )


def privacy_requests(client_id: rx.Var) -> rx.Component:
    """The store's answer to a personal data request: what it does is said before it is done."""
    confirming = P.erase_client_id == client_id
    return rx.vstack(
        rx.heading(tr("privacy.store_title"), size="3", as_="h3"),
        rx.text(tr("privacy.store_explain"), size="2", color_scheme="gray"),
        rx.flex(
            rx.button(tr("privacy.store_download"), on_click=P.download(client_id), variant="outline",
                      id="client-data-download"),
            rx.cond(~confirming, rx.button(tr("privacy.store_erase_open"), on_click=P.ask_erase(client_id),
                                           variant="soft", color_scheme="red", id="client-erase-open")),
            spacing="2", wrap="wrap",
        ),
        rx.cond(confirming, rx.vstack(
            rx.text(P.erase_keep, size="2"),
            rx.cond(P.erase_future.length() > 0, rx.vstack(
                rx.text(tr("privacy.store_erase_future"), size="2", weight="medium"),
                rx.el.ul(rx.foreach(P.erase_future, lambda line: rx.el.li(line)), style={"paddingLeft": "1.2em"}),
                spacing="1")),
            rx.cond(P.erase_subscriptions.length() > 0, rx.vstack(
                rx.text(tr("privacy.erase_subscriptions"), size="2", weight="medium"),
                rx.el.ul(rx.foreach(P.erase_subscriptions, lambda line: rx.el.li(line)),
                         style={"paddingLeft": "1.2em"}),
                spacing="1")),
            rx.cond(P.erase_email, rx.text(tr("privacy.store_erase_email"), size="2")),
            rx.flex(
                rx.button(tr("privacy.store_erase_button"), color_scheme="red", on_click=P.erase(client_id),
                          id="client-erase-confirm"),
                rx.button(tr("privacy.store_erase_keep_client"), variant="soft", on_click=P.cancel_erase),
                spacing="2", wrap="wrap",
            ),
            spacing="2", width="100%", id="client-erase-plan",
        )),
        spacing="2", width="100%", id="client-privacy",
    )


def client_panel() -> rx.Component:
    c = S.client
    return widgets.section(
        c["name"],
        rx.text(c["email"] + " · " + c["phone"], size="2"),
        rx.cond(c["address"] != "", rx.text(c["address"], size="2", color_scheme="gray")),
        rx.heading(tr("manage.clients.history"), size="3", as_="h3"),
        rx.vstack(rx.foreach(S.history, lambda b: rx.flex(
            rx.text(b["date_label"] + " " + b["start"], size="2", width="10em", flex_shrink="0"),
            rx.text(b["service"], size="2", flex="1"),
            widgets.status_badge(b["status"], b["color"]),
            rx.text(b["total"], size="2"),
            spacing="2", align="center", width="100%", wrap="wrap",
        )), width="100%", spacing="2", id="client-history"),
        rx.heading(tr("subscription.title"), size="3", as_="h3"),
        rx.cond(
            S.subscriptions.length() > 0,
            rx.vstack(rx.foreach(S.subscriptions, lambda r: rx.flex(
                rx.text(r["service"], size="2", flex="1"),
                rx.text(r["price"], size="2"),
                rx.badge(r["status_label"], color_scheme="gray"),
                rx.text(r["period"], size="2", color_scheme="gray"),
                spacing="2", align="center", width="100%", wrap="wrap", class_name="client-subscription",
            )), width="100%", spacing="2", id="client-subscriptions"),
            rx.text(tr("subscription.none"), size="2", id="client-subscriptions"),
        ),
        message_form(),
        privacy_requests(c["id"]),
        rx.button(tr("account.close"), on_click=S.close_client, variant="soft", color_scheme="gray"),
        id_="client-panel",
    )


def content() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.form(
                rx.flex(rx.input(name="search", default_value=S.search, placeholder=tr("manage.bookings.search_hint"),
                                 aria_label=tr("manage.bookings.search"), size="3", min_width="14em"),
                        rx.button(tr("manage.bookings.search"), type="submit", size="3"), spacing="2"),
                on_submit=S.find, reset_on_submit=False,
            ),
            rx.spacer(),
            rx.button(tr("manage.export_csv"), on_click=S.export_csv, variant="outline", size="3", id="export-clients"),
            spacing="3", wrap="wrap", width="100%",
        ),
        rx.cond(S.client.get("id", "") != "", client_panel()),
        invite_form(),
        rx.cond(
            S.rows.length() > 0,
            widgets.scrolling_table(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell(tr("manage.bookings.client")),
                    rx.table.column_header_cell(tr("manage.clients.contact")),
                    rx.table.column_header_cell(tr("manage.nav.bookings"), text_align="right"),
                    rx.table.column_header_cell(tr("manage.clients.last")),
                )),
                rx.table.body(rx.foreach(S.rows, client_row)),
                width="100%", variant="surface", id="clients-table",
            ), tr("manage.nav.clients")),
            widgets.empty("manage.clients.none"),
        ),
        rx.flex(
            rx.button("‹", on_click=S.turn_page(-1), disabled=S.page == 0, variant="soft", aria_label=tr("manage.previous_page")),
            rx.text(tr("manage.page") + " " + S.pages_label),
            rx.button("›", on_click=S.turn_page(1), disabled=S.next_cursor == "", variant="soft",
                      aria_label=tr("manage.next_page")),
            spacing="3", align="center",
        ),
        spacing="4", width="100%",
    )


def clients_page() -> rx.Component:
    return manage_page("clients", "manage.nav.clients", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/clients", clients_page, [S.load])
