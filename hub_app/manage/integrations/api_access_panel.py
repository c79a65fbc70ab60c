"""The Integrations page's sections for integrators: API keys (made, shown once, revoked) and
webhooks (endpoints with their events, enable/disable, secret rotation, the delivery log with
each attempt and "Resend")."""

from __future__ import annotations

import reflex as rx

from hub_app.domain.outbound_webhooks.endpoints import ALL_EVENTS
from hub_app.manage.integrations.api_access_state import ApiAccessState as S
from hub_app.manage.shell import widgets
from hub_app.pages.components import tr

DELIVERY_COLORS = {"succeeded": "green", "pending": "amber", "failed": "red", "cancelled": "gray"}
MONO = {"fontFamily": "var(--code-font-family, monospace)", "wordBreak": "break-all"}


def shown_secret() -> rx.Component:
    """The key or signing secret just made: copy it now, it is not shown again."""
    return rx.cond(
        S.shown_secret != "",
        rx.callout(
            rx.vstack(
                rx.text(rx.cond(S.shown_secret_kind == "key", tr("manage.api.key_once"),
                                tr("manage.webhooks.secret_once")), weight="medium"),
                rx.code(S.shown_secret, id="shown-secret", size="3", style=MONO),
                rx.flex(
                    rx.button(tr("manage.api.copy"), on_click=rx.set_clipboard(S.shown_secret), size="2",
                              variant="soft", id="copy-secret"),
                    rx.button(tr("manage.api.stored_it"), on_click=S.dismiss_secret, size="2", id="dismiss-secret"),
                    spacing="2", wrap="wrap",
                ),
                spacing="2", width="100%",
            ),
            color_scheme="blue", role="status", width="100%", id="secret-callout",
        ),
    )


# --- API keys -----------------------------------------------------------------------------------


def key_row(key: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(key["name"], weight="medium"),
            rx.text(key["prefix"], size="1", style=MONO),
            rx.text(tr("manage.api.created") + " " + key["created"] + " · " + tr("manage.api.last_used") + " "
                    + rx.cond(key["last_used"] != "", key["last_used"], tr("manage.api.never")),
                    size="1", color_scheme="gray"),
            spacing="1", flex="1 1 16em",
        ),
        rx.badge(widgets.tr_dynamic("manage.api.scope.", key["scope"]), size="2",
                 color_scheme=rx.cond(key["scope"] == "read", "gray", "blue")),
        rx.button(tr("manage.api.revoke"), on_click=S.revoke_key(key["id"]), color_scheme="red", variant="soft",
                  size="2", id="revoke-key-" + key["id"]),
        spacing="3", align="center", wrap="wrap", width="100%", class_name="api-key-row",
        style={"borderBottom": "1px solid var(--gray-a5)", "paddingBlock": "0.5em"},
    )


def key_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(widgets.field(tr("manage.api.key_name"), "name", prefix="api-key", hint=tr("manage.api.key_name_hint")),
                   flex="1 1 14em"),
            rx.box(widgets.select(tr("manage.api.scope"), "scope", [("read", tr("manage.api.scope.read")),
                                                               ("read_write", tr("manage.api.scope.read_write"))],
                             default="read", prefix="api-key"), flex="1 1 12em"),
            rx.button(tr("manage.api.create"), type="submit", size="3", id="api-key-create"),
            spacing="3", align="end", wrap="wrap", width="100%",
        ),
        key=S.form_version.to_string(), on_submit=S.create_key, reset_on_submit=False, width="100%", id="api-key-form",
    )


def api_keys_section() -> rx.Component:
    return widgets.section(
        tr("manage.api.title"),
        rx.text(tr("manage.api.intro"), size="2"),
        key_form(),
        rx.cond(S.api_keys.length() > 0, rx.vstack(rx.foreach(S.api_keys, key_row), spacing="0", width="100%"),
                widgets.empty("manage.api.none")),
        id_="api-keys",
    )


# --- webhooks -----------------------------------------------------------------------------------


def endpoint_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            widgets.grid(
                widgets.field(tr("manage.webhooks.url"), "url", prefix="webhook", placeholder="https://example.com/hooks",
                         hint=tr("manage.webhooks.url_hint"), input_mode="url"),
                widgets.field(tr("manage.webhooks.description"), "description", prefix="webhook"),
                min_width="16em",
            ),
            rx.el.fieldset(
                rx.el.legend(tr("manage.webhooks.events"), style={"fontWeight": "500", "fontSize": "0.9em"}),
                widgets.grid(*[widgets.checkbox(tr("manage.webhooks.event." + name), "event-" + name.replace(".", "-"),
                                      checked=True, prefix="webhook") for name in ALL_EVENTS], min_width="13em"),
                rx.text(widgets.field_error("event_types"), color_scheme="red", size="2", role="alert",
                        id="webhook-event_types-error"),
                style={"border": "none", "padding": "0", "margin": "0"},
            ),
            rx.button(tr("manage.webhooks.add"), type="submit", size="3", id="webhook-create"),
            spacing="3", width="100%",
        ),
        key=S.form_version.to_string(), on_submit=S.create_endpoint, reset_on_submit=False, width="100%",
        id="webhook-form",
    )


def endpoint_row(endpoint: rx.Var) -> rx.Component:
    enabled = endpoint["enabled"] == "1"
    return rx.vstack(
        rx.flex(
            rx.text(endpoint["url"], weight="medium", style=MONO, flex="1 1 18em"),
            rx.badge(rx.cond(enabled, tr("manage.webhooks.on"), tr("manage.webhooks.off")), size="2",
                     color_scheme=rx.cond(enabled, "green", "gray"), custom_attrs={"data-enabled": endpoint["enabled"]}),
            spacing="2", align="center", wrap="wrap", width="100%",
        ),
        rx.cond(endpoint["description"] != "", rx.text(endpoint["description"], size="2")),
        rx.text(endpoint["events"], size="1", color_scheme="gray"),
        rx.flex(
            rx.button(rx.cond(enabled, tr("manage.webhooks.disable"), tr("manage.webhooks.enable")),
                      on_click=S.toggle_endpoint(endpoint["id"], ~enabled), size="2", variant="soft",
                      id="toggle-endpoint-" + endpoint["id"]),
            rx.button(tr("manage.webhooks.rotate"), on_click=S.rotate_secret(endpoint["id"]), size="2",
                      variant="soft", id="rotate-endpoint-" + endpoint["id"]),
            rx.button(tr("manage.webhooks.delete"), on_click=S.delete_endpoint(endpoint["id"]), size="2",
                      variant="soft", color_scheme="red", id="delete-endpoint-" + endpoint["id"]),
            spacing="2", wrap="wrap",
        ),
        spacing="1", width="100%", class_name="webhook-endpoint",
        style={"borderBottom": "1px solid var(--gray-a5)", "paddingBlock": "0.6em"},
    )


def delivery_row(row: rx.Var) -> rx.Component:
    status = row["status"]
    return rx.flex(
        rx.vstack(
            rx.text(row["event_type"], weight="medium"),
            rx.text(row["created"] + " · " + row["url"], size="1", color_scheme="gray", style=MONO),
            rx.cond(row["error"] != "", rx.text(row["error"], size="1", color_scheme="red")),
            spacing="0", flex="1 1 16em",
        ),
        rx.badge(widgets.tr_dynamic("manage.webhooks.status.", status), size="2",
                 color_scheme=rx.match(status, *DELIVERY_COLORS.items(), "gray"), custom_attrs={"data-status": status}),
        rx.text(tr("manage.webhooks.attempts") + ": " + row["attempts"], size="1"),
        rx.button(tr("manage.webhooks.details"), on_click=S.open_delivery(row["id"]), size="1", variant="soft",
                  id="delivery-details-" + row["id"]),
        rx.cond(status != "pending",
                rx.button(tr("manage.webhooks.resend"), on_click=S.resend(row["id"]), size="1",
                          id="delivery-resend-" + row["id"])),
        spacing="2", align="center", wrap="wrap", width="100%", class_name="webhook-delivery",
        style={"borderBottom": "1px solid var(--gray-a4)", "paddingBlock": "0.4em"},
    )


def delivery_detail() -> rx.Component:
    d = S.delivery
    return rx.cond(
        d.get("id", "") != "",
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.heading(d.get("event_type", ""), size="3", as_="h3"),
                    rx.text(d.get("event_id", ""), size="1", style=MONO),
                    rx.spacer(),
                    rx.button(tr("manage.webhooks.close"), on_click=S.close_delivery, size="1", variant="soft"),
                    spacing="2", align="center", wrap="wrap", width="100%",
                ),
                rx.foreach(S.delivery_attempts, lambda a: rx.vstack(
                    rx.text(tr("manage.webhooks.attempt") + " " + a["number"] + " · " + a["at"] + " · "
                            + rx.cond(a["code"] != "", "HTTP " + a["code"], a["error"]) + " · " + a["ms"] + " ms",
                            size="2", class_name="webhook-attempt"),
                    rx.cond(a["body"] != "", rx.code(a["body"], size="1", style=MONO)),
                    spacing="1", width="100%")),
                rx.el.details(rx.el.summary(tr("manage.webhooks.payload")),
                              rx.code(d.get("payload", ""), size="1", style={**MONO, "whiteSpace": "pre-wrap"})),
                spacing="2", width="100%",
            ),
            width="100%", id="delivery-detail",
        ),
    )


def webhooks_section() -> rx.Component:
    return widgets.section(
        tr("manage.webhooks.title"),
        rx.text(tr("manage.webhooks.intro"), size="2"),
        endpoint_form(),
        rx.cond(S.endpoints.length() > 0, rx.vstack(rx.foreach(S.endpoints, endpoint_row), spacing="0", width="100%"),
                widgets.empty("manage.webhooks.none")),
        rx.flex(rx.heading(tr("manage.webhooks.log"), size="4", as_="h3"),
                rx.button(tr("manage.webhooks.refresh"), on_click=S.refresh_log, size="1", variant="soft",
                          id="deliveries-refresh"),
                spacing="3", align="center"),
        delivery_detail(),
        rx.cond(S.deliveries.length() > 0,
                rx.vstack(rx.foreach(S.deliveries, delivery_row), spacing="0", width="100%", id="delivery-log"),
                widgets.empty("manage.webhooks.no_deliveries")),
        id_="webhooks",
    )


def api_access_sections() -> rx.Component:
    return rx.vstack(shown_secret(), api_keys_section(), webhooks_section(), spacing="4", width="100%")
