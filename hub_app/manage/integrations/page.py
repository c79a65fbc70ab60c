"""/manage/integrations: connect Calendly (token, webhook, event types → calendar and service),
set up online payments (the store's Stripe account), and give integrators API keys and webhooks."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.integrations.api_access_panel import api_access_sections
from hub_app.manage.integrations.api_access_state import ApiAccessState
from hub_app.manage.integrations.state import IntegrationsState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.pages.components import tr

STATE_COLORS = {"connected": "green", "broken": "red", "disconnected": "gray", "not_connected": "gray"}
WEBHOOK_COLORS = {"active": "green", "disabled": "amber", "unavailable": "gray"}
STRIPE_COLORS = {"complete": "green", "restricted": "amber", "pending": "amber", "not_started": "gray"}
WRAP = {"whiteSpace": "normal", "height": "auto", "lineHeight": "1.35", "paddingBlock": "0.2em"}


def colored(value: rx.Var, colors: dict[str, str]) -> rx.Var:
    return rx.match(value, *[(k, v) for k, v in colors.items()], "gray")


def badge(text: rx.Var, color: rx.Var | str, id_: str, **attrs) -> rx.Component:
    """A status badge whose text wraps in a narrow column (long Greek wording on a phone)."""
    return rx.badge(text, color_scheme=color, size="2", id=id_, custom_attrs=attrs, style=WRAP)


def fact(label_key: str, value: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(tr(label_key), size="1", color_scheme="gray", weight="medium"), value,
                     spacing="1", align="start")


# --- Calendly ---------------------------------------------------------------------------------


def calendly_facts() -> rx.Component:
    state = S.calendly.get("state", "not_connected")
    webhook = S.calendly.get("webhook", "")
    return rx.vstack(
        widgets.grid(
            fact("manage.integrations.connection",
                 badge(widgets.tr_dynamic("manage.integrations.state.", state), colored(state, STATE_COLORS),
                       "calendly-state", **{"data-state": state})),
            fact("manage.integrations.webhook",
                 badge(widgets.tr_dynamic("manage.integrations.webhook.", rx.cond(webhook != "", webhook, "none")),
                       colored(webhook, WEBHOOK_COLORS), "calendly-webhook", **{"data-state": webhook})),
            fact("manage.integrations.last_sync",
                 rx.text(rx.cond(S.calendly.get("synced", "") != "", S.calendly.get("synced", ""),
                                 tr("manage.integrations.never")), size="2", id="calendly-synced")),
            fact("manage.integrations.token",
                 rx.text(rx.cond(S.calendly.get("has_token", "") == "1", tr("manage.integrations.token_stored"),
                                 tr("manage.integrations.token_none")), size="2")),
            min_width="8.5em",
        ),
        rx.cond(webhook == "unavailable", rx.text(tr("manage.integrations.webhook_unavailable_hint"), size="2",
                                                  color_scheme="gray")),
        rx.cond(S.calendly.get("error", "") != "",
                rx.callout(tr("manage.integrations.last_error") + ": " + S.calendly.get("error", ""),
                           color_scheme=rx.cond(state == "broken", "red", "amber"), size="1", id="calendly-last-error",
                           width="100%")),
        spacing="3", width="100%",
    )


def token_form() -> rx.Component:
    connected = S.calendly.get("state", "") == "connected"
    return rx.form(
        rx.flex(
            rx.box(
                # "new-password": browsers never fill a saved sign-in password in here (it
                # would be sent to Calendly); "off" is ignored for password fields.
                widgets.field(tr("manage.integrations.token_label"), "token", type_="password", prefix="calendly",
                         hint=tr("manage.integrations.token_hint"), auto_complete="new-password"),
                flex="1 1 18em",
            ),
            rx.button(rx.cond(connected, tr("manage.integrations.reconnect"), tr("manage.integrations.connect")),
                      type="submit", size="3", id="calendly-connect", loading=S.busy == "connect"),
            spacing="3", align="end", wrap="wrap", width="100%",
        ),
        # A new key after every action: the browser forgets what was typed in the token field.
        key=S.form_version.to_string(),
        on_submit=S.connect, reset_on_submit=True, width="100%",
    )


def calendly_actions() -> rx.Component:
    return rx.flex(
        rx.button(tr("manage.integrations.check_webhook"), on_click=S.refresh_webhook, variant="soft", size="3",
                  id="calendly-refresh-webhook", loading=S.busy == "webhook"),
        rx.button(tr("manage.integrations.sync_now"), on_click=S.sync_now, variant="soft", size="3",
                  id="calendly-sync", loading=S.busy == "sync"),
        rx.cond(
            S.confirm_disconnect,
            rx.flex(
                rx.text(tr("manage.integrations.disconnect_question"), size="2"),
                rx.button(tr("manage.integrations.disconnect_yes"), color_scheme="red", size="3",
                          on_click=S.disconnect, id="calendly-disconnect-yes", loading=S.busy == "disconnect"),
                rx.button(tr("account.cancel_no"), variant="soft", size="3", on_click=S.ask_disconnect(False)),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.button(tr("manage.integrations.disconnect"), on_click=S.ask_disconnect(True), variant="soft",
                      color_scheme="red", size="3", id="calendly-disconnect"),
        ),
        spacing="2", wrap="wrap",
    )


def mapping_select(label_key: str, name: str, row: rx.Var, index: rx.Var, choices: rx.Var) -> rx.Component:
    select_id = f"map-{name}-" + index.to_string()
    return rx.vstack(
        rx.el.label(tr(label_key), html_for=select_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.el.select(
            rx.el.option(tr("manage.integrations.choose"), value=""),
            rx.foreach(choices, lambda c: rx.el.option(c["name"], value=c["id"])),
            id=select_id, name=name, default_value=row[name], style=widgets.SELECT_STYLE,
            custom_attrs={"aria-describedby": "manage-error"},
        ),
        spacing="1", width="100%", align="stretch",
    )


def event_type_card(row: rx.Var, index: rx.Var) -> rx.Component:
    mapped = row["mapped"] != ""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.flex(
                    rx.heading(row["name"], size="3", as_="h4"),
                    rx.cond(row["duration"] != "", rx.text(row["duration"] + " min", size="2", color_scheme="gray")),
                    rx.cond(row["active"] != "1", rx.badge(tr("manage.integrations.inactive"), color_scheme="gray")),
                    rx.spacer(),
                    rx.cond(mapped,
                            rx.badge("→ " + row["mapped"], color_scheme="green", size="2", class_name="mapping",
                                     style=WRAP),
                            rx.badge(tr("manage.integrations.not_mapped"), color_scheme="amber", size="2",
                                     class_name="mapping", style=WRAP)),
                    spacing="2", align="center", wrap="wrap", width="100%",
                ),
                rx.el.input(type="hidden", name="event_type_uri", value=row["uri"]),
                rx.el.input(type="hidden", name="name", value=row["name"]),
                widgets.grid(
                    mapping_select("manage.integrations.calendar", "calendar_id", row, index, S.calendars),
                    mapping_select("manage.integrations.service", "service_id", row, index, S.services),
                    min_width="12em",
                ),
                rx.flex(
                    rx.button(tr("manage.save"), type="submit", size="3", class_name="save-mapping",
                              aria_label=tr("manage.save") + ": " + row["name"]),
                    rx.cond(mapped, rx.button(tr("manage.integrations.unmap"), type="button", variant="soft",
                                              color_scheme="gray", size="3",
                                              on_click=S.remove_mapping(row["uri"], row["name"]))),
                    spacing="2", wrap="wrap",
                ),
                spacing="3", width="100%",
            ),
            key=row["uri"] + S.form_version.to_string(),
            on_submit=S.save_mapping, reset_on_submit=False, width="100%",
        ),
        class_name="event-type", custom_attrs={"data-uri": row["uri"]}, width="100%",
    )


def event_types() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("manage.integrations.event_types"), size="4", as_="h3"),
        rx.text(tr("manage.integrations.event_types_hint"), size="2", color_scheme="gray"),
        rx.cond(S.busy == "event-types", rx.spinner(size="2"),
                rx.cond(S.event_types.length() > 0,
                        rx.vstack(rx.foreach(S.event_types, event_type_card), spacing="3", width="100%",
                                  id="calendly-event-types"),
                        widgets.empty("manage.integrations.no_event_types"))),
        spacing="3", width="100%",
    )


def write_target_row(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.text(row["calendar"], weight="medium", size="2"),
            rx.cond(row["calendly"] == "1", rx.badge("Calendly", color_scheme="blue", size="1")),
            rx.spacer(),
            rx.cond(row["target"] != "",
                    rx.text("→ " + row["target"], size="2", style=WRAP, class_name="write-target"),
                    rx.text(tr("manage.integrations.writes_nowhere"), size="2", color_scheme="gray",
                            class_name="write-target")),
            spacing="2", align="center", wrap="wrap", width="100%",
        ),
        rx.cond(row["warn"] == "1",
                rx.callout(tr("manage.integrations.no_write_target"), color_scheme="amber", size="1",
                           class_name="write-target-warning", width="100%")),
        spacing="1", width="100%", class_name="write-target-row", custom_attrs={"data-calendar": row["calendar_id"]},
    )


def write_targets() -> rx.Component:
    """Which outside calendar each hub calendar writes its bookings to (what Calendly checks)."""
    return rx.vstack(
        rx.heading(tr("manage.integrations.write_targets"), size="4", as_="h3"),
        rx.text(tr("manage.integrations.write_targets_hint"), size="2", color_scheme="gray"),
        rx.foreach(S.write_targets, write_target_row),
        spacing="2", width="100%", id="calendar-write-targets",
    )


def calendly_section() -> rx.Component:
    return widgets.section(
        "Calendly",
        rx.text(tr("manage.integrations.calendly_intro"), size="2"),
        rx.cond(S.calendly.get("state", "") != "", calendly_facts(), rx.spinner(size="2")),
        rx.cond(S.write_targets.length() > 0, write_targets()),
        token_form(),
        rx.cond(S.calendly_connected, rx.vstack(calendly_actions(), rx.divider(), event_types(),
                                                spacing="4", width="100%")),
        id_="calendly",
    )


# --- Stripe -----------------------------------------------------------------------------------


def payments_section() -> rx.Component:
    p = S.payments
    state = p.get("state", "")
    ready = rx.vstack(
        widgets.grid(
            fact("manage.integrations.online_payments",
                 rx.cond(p.get("available", "") == "1",
                         badge(tr("manage.integrations.payments_on"), "green", "payments-available",
                               **{"data-available": "1"}),
                         badge(tr("manage.integrations.payments_off"), "gray", "payments-available",
                               **{"data-available": "0"}))),
            fact("manage.integrations.stripe_account",
                 badge(widgets.tr_dynamic("manage.integrations.stripe_state.", state), colored(state, STRIPE_COLORS),
                       "stripe-state", **{"data-state": state})),
            min_width="8.5em",
        ),
        rx.cond(p.get("reason", "") != "", rx.text(p.get("reason", ""), size="2", id="payments-reason")),
        rx.cond(
            p.get("configured", "") == "1",
            rx.flex(
                rx.button(rx.match(state, ("not_started", tr("manage.integrations.stripe_start")),
                                   ("complete", tr("manage.integrations.stripe_review")),
                                   tr("manage.integrations.stripe_continue")),
                          on_click=S.start_onboarding, size="3", id="stripe-onboard", loading=S.busy == "stripe"),
                rx.cond(state != "not_started",
                        rx.button(tr("manage.integrations.stripe_refresh"), on_click=S.refresh_payments,
                                  variant="soft", size="3", id="stripe-refresh", loading=S.busy == "stripe-refresh")),
                spacing="2", wrap="wrap",
            ),
        ),
        rx.text(tr("manage.integrations.stripe_hint"), size="1", color_scheme="gray"),
        spacing="3", width="100%",
    )
    return widgets.section(
        tr("manage.integrations.payments_title"),
        rx.text(tr("manage.integrations.payments_intro"), size="2"),
        rx.cond(state != "", ready, rx.spinner(size="2")),
        id_="payments",
    )


def content() -> rx.Component:
    return rx.vstack(calendly_section(), payments_section(), api_access_sections(), spacing="4", width="100%")


def integrations_page() -> rx.Component:
    return manage_page("integrations", "manage.nav.integrations", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/integrations", integrations_page, [S.load, ApiAccessState.load])
