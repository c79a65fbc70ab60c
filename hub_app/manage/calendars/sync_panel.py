"""The Calendars page's outside-calendar section: connect a CalDAV account (test connection,
choose busy sources and the target), its status and errors, "sync now", conflicts, and the
external busy time that removes slots (marked as external)."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.calendars.state import CalendarsState as S
from hub_app.manage.shell import widgets
from hub_app.pages.components import tr

STATE_COLORS = {"active": "green", "error": "red", "paused": "gray"}


def connect_form() -> rx.Component:
    listed = S.caldav_found.length() > 0
    return rx.form(
        rx.vstack(
            rx.text(tr("manage.calendar_sync.help"), size="2", color_scheme="gray"),
            widgets.grid(
                widgets.field(tr("manage.calendar_sync.server"), "server_url", S.caldav.get("server", ""), prefix="caldav",
                         placeholder="https://caldav.example.com/"),
                widgets.field(tr("manage.calendar_sync.user"), "username", S.caldav.get("user", ""), prefix="caldav"),
                widgets.field(tr("manage.calendar_sync.password"), "password", "", type_="password", prefix="caldav",
                         hint=tr("manage.calendar_sync.password_hint"), auto_complete="new-password"),
                min_width="12em",
            ),
            rx.cond(listed, rx.vstack(
                rx.text(tr("manage.calendar_sync.sources"), weight="medium", size="2"),
                rx.foreach(S.caldav_found, lambda c: rx.el.label(
                    rx.el.input(type="checkbox", name="source-" + c["index"], id="caldav-source-" + c["index"],
                                style={"width": "1.3em", "height": "1.3em"}),
                    rx.text(c["name"], as_="span"),
                    html_for="caldav-source-" + c["index"], class_name="caldav-source",
                    style={"display": "flex", "alignItems": "center", "gap": "0.5em", "minHeight": "2.4em"})),
                rx.el.label(tr("manage.calendar_sync.target"), html_for="caldav-target",
                            style={"fontWeight": "500", "fontSize": "0.9em"}),
                rx.el.select(rx.el.option(tr("manage.calendar_sync.no_target"), value=""),
                             rx.foreach(S.caldav_found, lambda c: rx.el.option(c["name"], value=c["index"])),
                             id="caldav-target", name="target", style=widgets.SELECT_STYLE),
                spacing="2", width="100%", id="caldav-choices",
            )),
            rx.button(rx.cond(listed, tr("manage.calendar_sync.connect"), tr("manage.calendar_sync.test")),
                      type="submit", id="caldav-submit", size="3"),
            spacing="3", width="100%",
        ),
        on_submit=S.caldav_submit, reset_on_submit=False, width="100%", id="caldav-form",
    )


def status() -> rx.Component:
    c = S.caldav
    state = c.get("state", "")
    return rx.vstack(
        rx.flex(
            rx.badge(state, color_scheme=rx.match(state, ("active", "green"), ("error", "red"), "gray"),
                     size="2", id="caldav-state", custom_attrs={"data-state": state}),
            rx.text(c.get("server", ""), size="2", style={"wordBreak": "break-all"}),
            spacing="2", align="center", wrap="wrap",
        ),
        rx.text(tr("manage.calendar_sync.reads") + ": " + rx.cond(c.get("sources", "") != "", c.get("sources", ""), "—"),
                size="2", style={"wordBreak": "break-all"}),
        rx.text(tr("manage.calendar_sync.writes") + ": " + rx.cond(c.get("target", "") != "", c.get("target", ""), "—"),
                size="2", style={"wordBreak": "break-all"}),
        rx.text(tr("manage.calendar_sync.last_sync") + ": "
                + rx.cond(c.get("synced", "") != "", c.get("synced", ""), tr("manage.integrations.never")),
                size="2", id="caldav-synced"),
        rx.cond(c.get("error", "") != "",
                rx.callout(tr("manage.integrations.last_error") + ": " + c.get("error", ""),
                           color_scheme=rx.cond(state == "error", "red", "amber"), size="1", id="caldav-error")),
        rx.flex(
            rx.button(tr("manage.calendar_sync.sync_now"), on_click=S.caldav_sync_now, id="caldav-sync-now", size="3"),
            rx.button(tr("manage.calendar_sync.disconnect"), on_click=S.caldav_disconnect, variant="soft",
                      color_scheme="red", size="3", id="caldav-disconnect"),
            spacing="2", wrap="wrap",
        ),
        spacing="2", width="100%",
    )


def conflicts() -> rx.Component:
    return rx.cond(S.caldav_conflicts.length() > 0, rx.vstack(
        rx.text(tr("manage.calendar_sync.conflicts"), weight="medium", size="2"),
        rx.foreach(S.caldav_conflicts, lambda c: rx.callout(
            c["when"] + " · " + c["summary"] + " · " + tr("manage.calendar_sync.booking") + " #" + c["booking"],
            color_scheme="amber", size="1", class_name="caldav-conflict", width="100%")),
        spacing="2", width="100%"))


def external_busy() -> rx.Component:
    return rx.vstack(
        rx.text(tr("manage.calendar_sync.external"), weight="medium", size="2"),
        rx.cond(S.caldav_external.length() > 0,
                rx.vstack(rx.foreach(S.caldav_external, lambda b: rx.flex(
                    rx.badge(tr("manage.calendar_sync.external_badge"), color_scheme="violet", size="1"),
                    rx.text(b["from"] + " – " + b["to"], size="2"),
                    rx.text(b["source"], size="1", color_scheme="gray"),
                    spacing="2", align="center", wrap="wrap", class_name="external-busy")),
                    spacing="1", width="100%", id="caldav-external"),
                widgets.empty("manage.calendar_sync.no_external")),
        spacing="2", width="100%",
    )


def ics_import() -> rx.Component:
    """A read-only .ics URL as another busy source (for calendars without CalDAV access)."""
    imported = S.ics_import
    return rx.vstack(
        rx.text(tr("manage.calendar_sync.ics_import"), weight="medium", size="2"),
        rx.form(
            rx.flex(
                rx.box(widgets.field(tr("manage.calendar_sync.ics_url"), "feed_url", imported.get("url", ""), prefix="ics",
                                placeholder="https://…/basic.ics"), flex="1", min_width="14em"),
                rx.button(tr("manage.calendar_sync.ics_read"), type="submit", variant="soft", id="ics-import"),
                spacing="2", align="end", wrap="wrap",
            ),
            on_submit=S.import_ics, reset_on_submit=False, width="100%",
        ),
        rx.cond(imported.get("error", "") != "",
                rx.callout(tr("manage.integrations.last_error") + ": " + imported.get("error", ""),
                           color_scheme=rx.cond(imported.get("state", "") == "error", "red", "amber"), size="1",
                           id="ics-error")),
        spacing="2", width="100%",
    )


def subscription_links() -> rx.Component:
    """Secret .ics URLs for Google, Apple or Outlook to subscribe to; shown once, revocable."""
    return rx.vstack(
        rx.text(tr("manage.calendar_sync.feed"), weight="medium", size="2"),
        rx.text(tr("manage.calendar_sync.feed_help"), size="2", color_scheme="gray"),
        rx.cond(S.feed_url != "", rx.code(S.feed_url, id="feed-url", style={"wordBreak": "break-all"})),
        rx.form(
            rx.flex(
                widgets.checkbox(tr("manage.calendar_sync.feed_names"), "show_client_names", False, prefix="feed"),
                rx.button(tr("manage.calendar_sync.feed_create"), type="submit", variant="soft", id="feed-create"),
                rx.cond(S.feeds.length() > 0,
                        rx.button(tr("manage.calendar_sync.feed_revoke") + " (" + S.feeds.length().to_string() + ")",
                                  type="button", on_click=S.revoke_feeds, variant="soft", color_scheme="red",
                                  id="feed-revoke")),
                spacing="3", align="center", wrap="wrap",
            ),
            on_submit=S.create_feed, reset_on_submit=True, width="100%",
        ),
        spacing="2", width="100%",
    )


def caldav_section() -> rx.Component:
    return widgets.section(
        tr("manage.calendar_sync.title"),
        rx.cond(S.caldav.get("id", "") != "", status(), connect_form()),
        conflicts(),
        external_busy(),
        rx.divider(),
        ics_import(),
        subscription_links(),
        id_="outside-calendar",
    )
