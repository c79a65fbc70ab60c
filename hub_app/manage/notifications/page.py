"""/manage/notifications: compose a message, its history with delivery status, and the
automated messages' switches and English/Greek wording."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.notifications.state import NotificationsState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.pages.components import tr

REFRESH_MS = 10000
STATUSES = ("pending", "sent", "delivered", "read", "failed", "not_sent")


def compose() -> rx.Component:
    return widgets.section(
        tr("manage.notifications.compose"),
        rx.flex(
            *[rx.button(tr(f"manage.notifications.to_{a}"), on_click=S.set_audience(a), size="2",
                        variant=rx.cond(S.audience == a, "solid", "soft"), id=f"audience-{a}",
                        custom_attrs={"aria-pressed": rx.cond(S.audience == a, "true", "false")})
              for a in ("client", "day", "all")],
            spacing="2", wrap="wrap", role="group", aria_label=tr("manage.notifications.recipients"),
        ),
        rx.cond(S.audience == "client", rx.form(
            rx.flex(rx.input(name="search", placeholder=tr("manage.bookings.search_hint"), size="2",
                             aria_label=tr("manage.bookings.find_client"), min_width="12em"),
                    rx.button(tr("manage.bookings.search"), type="submit", size="2", variant="soft", id="recipient-search"),
                    spacing="2", wrap="wrap"),
            on_submit=S.find_recipients, reset_on_submit=False,
        )),
        rx.form(
            rx.vstack(
                rx.cond(S.audience == "client",
                        widgets.select(tr("manage.bookings.client"), "client", [("", "—")], dynamic=S.recipient_choices,
                            default=S.compose.get("client", ""), prefix="msg")),
                rx.cond(S.audience == "day", widgets.field(tr("wizard.day"), "day", S.compose.get("day", ""), type_="date",
                                                      prefix="msg")),
                widgets.grid(
                    widgets.select(tr("manage.notifications.channel"), "channel", [("sms", "SMS"), ("email", "Email")],
                              default=S.compose.get("channel", "sms"), prefix="msg"),
                    widgets.field(tr("manage.notifications.subject"), "subject", S.compose.get("subject", ""), prefix="msg",
                             hint=tr("manage.notifications.subject_hint")),
                ),
                widgets.textarea(tr("manage.notifications.body"), "body", S.compose.get("body", ""), prefix="msg"),
                rx.text(tr("manage.notifications.placeholders"), size="1", color_scheme="gray"),
                rx.cond(widgets.field_error("recipients") != "",
                        rx.text(widgets.field_error("recipients"), color_scheme="red", size="2", role="alert")),
                rx.button(tr("manage.notifications.send"), type="submit", id="message-send"),
                spacing="3", width="100%",
            ),
            on_submit=S.send, reset_on_submit=False, key=S.compose_key, width="100%",
        ),
        id_="compose",
    )


def history() -> rx.Component:
    options = [("", tr("manage.bookings.any_status"))] + [(s, tr(f"manage.delivery.{s}")) for s in STATUSES]
    return widgets.section(
        tr("manage.notifications.history"),
        rx.el.select(*[rx.el.option(label, value=value) for value, label in options], value=S.status_filter,
                     on_change=S.filter_history, aria_label=tr("wizard.status"), style={**widgets.SELECT_STYLE, "width": "auto"}),
        rx.cond(S.rows.length() > 0, widgets.scrolling_table(rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(tr("wizard.when")),
                rx.table.column_header_cell(tr("manage.notifications.to")),
                rx.table.column_header_cell(tr("manage.notifications.body")),
                rx.table.column_header_cell(tr("wizard.status")),
            )),
            rx.table.body(rx.foreach(S.rows, lambda r: rx.table.row(
                rx.table.cell(r["when"], white_space="nowrap"),
                rx.table.cell(rx.text(r["to"], size="2"), rx.text(r["channel"] + " · " + r["address"], size="1",
                                                                  color_scheme="gray")),
                rx.table.cell(rx.text(r["text"], size="2"), rx.cond(r["error"] != "", rx.text(r["error"], size="1",
                                                                                               color_scheme="red"))),
                rx.table.cell(rx.badge(widgets.tr_dynamic("manage.delivery.", r["status"]), color_scheme=r["color"],
                                       custom_attrs={"data-status": r["status"]})),
                class_name="message-row",
            ))),
            width="100%", variant="surface", id="messages-table",
        ), tr("manage.notifications.history")), widgets.empty("manage.notifications.none")),
        rx.flex(
            rx.button("‹", on_click=S.turn_page(-1), disabled=S.page == 0, variant="soft", aria_label=tr("manage.previous_page")),
            rx.text(tr("manage.page") + " " + S.pages_label),
            rx.button("›", on_click=S.turn_page(1), disabled=S.page + 1 >= S.page_count, variant="soft",
                      aria_label=tr("manage.next_page")),
            spacing="3", align="center",
        ),
        id_="history",
    )


def template_editor(row: rx.Var) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(rx.text(widgets.tr_dynamic("manage.kind.", row["kind"]) + " · " + row["channel"] + " · " + row["locale"],
                            weight="bold", size="2"),
                    rx.cond(row["custom"] == "1", rx.badge(tr("manage.notifications.custom"), size="1")),
                    spacing="2", align="center"),
            rx.el.input(type="hidden", name="kind", value=row["kind"]),
            rx.el.input(type="hidden", name="channel", value=row["channel"]),
            rx.el.input(type="hidden", name="locale", value=row["locale"]),
            rx.cond(row["channel"] == "email",
                    rx.input(name="subject", default_value=row["subject"], size="2", width="100%",
                             aria_label=tr("manage.notifications.subject"))),
            rx.text_area(name="body", default_value=row["body"], rows="4", width="100%",
                         aria_label=tr("manage.notifications.body") + " " + row["key"]),
            rx.flex(rx.button(tr("manage.save"), type="submit", size="1", variant="soft"),
                    rx.cond(row["custom"] == "1", rx.button(tr("manage.notifications.reset"), type="button", size="1",
                                                            variant="ghost",
                                                            on_click=S.reset_template(row["kind"], row["channel"], row["locale"]))),
                    spacing="2"),
            spacing="2", width="100%",
        ),
        on_submit=S.save_template, reset_on_submit=False, key=S.template_key.to_string() + row["key"], width="100%",
    )


def automated() -> rx.Component:
    return widgets.section(
        tr("manage.notifications.automated"),
        rx.form(
            rx.flex(widgets.field(tr("manage.store.reminder"), "hours", S.reminder_hours, prefix="rem", input_mode="numeric"),
                    rx.button(tr("manage.save"), type="submit", variant="soft"), spacing="2", align="end"),
            on_submit=S.save_reminder_hours, reset_on_submit=False, key=S.template_key,
        ),
        rx.box(rx.foreach(S.switches, lambda r: rx.el.label(
            rx.switch(checked=r["enabled"] == "1", on_change=lambda on: S.switch(r["kind"], r["channel"], on)),
            rx.text(widgets.tr_dynamic("manage.kind.", r["kind"]) + " · " + r["channel"], size="2"),
            style={"display": "flex", "gap": "0.6em", "alignItems": "center", "minHeight": "2.4em"},
        )), style={"display": "grid", "gridTemplateColumns": "repeat(auto-fill, minmax(15em, 1fr))", "gap": "0.4em"}),
        rx.text(tr("manage.notifications.template_help"), size="1", color_scheme="gray"),
        rx.box(rx.foreach(S.templates, template_editor),
               style={"display": "grid", "gridTemplateColumns": "repeat(auto-fill, minmax(22em, 1fr))", "gap": "1em"}),
        id_="automated",
    )


def content() -> rx.Component:
    return rx.vstack(compose(), history(), automated(),
                     rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=S.refresh, display="none"),
                     spacing="4", width="100%")


def notifications_page() -> rx.Component:
    return manage_page("notifications", "manage.nav.notifications", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/notifications", notifications_page, [S.load])
