"""/manage/services: the store's services, and the form to create or edit one."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.services.state import ServicesState as S
from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.manage.shell.state import ManageState
from hub_app.pages.components import tr


def service_card(s: rx.Var) -> rx.Component:
    archived = s["archived"] == "1"
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.flex(rx.heading(s["name"], size="4", as_="h2"),
                        rx.cond(archived, rx.badge(tr("manage.services.archived_badge"), color_scheme="gray")),
                        rx.cond(s["payment"] == "1", rx.badge(tr("manage.services.paid_online"), color_scheme="amber")),
                        spacing="2", align="center", wrap="wrap"),
                rx.text(s["duration"] + " " + tr("manage.services.min") + " · " + s["price"] + " · " + s["persons"] + " "
                        + tr("manage.services.persons"),
                        size="2", color_scheme="gray"),
                rx.text(tr("manage.services.calendars") + ": " + rx.cond(s["calendars"] != "", s["calendars"], "—"), size="2"),
                spacing="1", flex="1", min_width="14em",
            ),
            rx.flex(
                rx.button(tr("manage.edit"), on_click=S.edit_service(s["id"]), variant="soft",
                          aria_label=tr("manage.edit") + ": " + s["name"]),
                rx.cond(archived,
                        rx.button(tr("manage.services.restore"), on_click=S.restore(s["id"]), variant="soft"),
                        rx.button(tr("manage.services.archive"), on_click=S.archive(s["id"]), variant="soft",
                                  color_scheme="gray", aria_label=tr("manage.services.archive") + ": " + s["name"])),
                rx.cond(s["bookings"] == "0",
                        rx.button(tr("manage.delete"), on_click=S.delete(s["id"]), variant="soft", color_scheme="red",
                                  aria_label=tr("manage.delete") + ": " + s["name"])),
                spacing="2", wrap="wrap", align="start",
            ),
            spacing="3", wrap="wrap", justify="between", width="100%",
        ),
        width="100%", class_name="service-item", custom_attrs={"data-service-id": s["id"]},
    )


def payment_fields() -> rx.Component:
    f = S.form
    return widgets.section(
        tr("manage.services.payment"),
        widgets.checkbox(tr("manage.services.payment_required"), "payment_enabled", f["payment_enabled"] == "1"),
        widgets.grid(
            widgets.select(tr("manage.services.advance_type"), "advance_payment_type",
                      [("", tr("manage.services.advance_none")), ("fixed", tr("manage.services.advance_fixed")),
                       ("percent", tr("manage.services.advance_percent"))], default=f["advance_payment_type"]),
            widgets.field(tr("manage.services.advance_amount"), "advance_payment_amount", f["advance_payment_amount"],
                     input_mode="decimal"),
        ),
        widgets.checkbox(tr("manage.services.recurring"), "is_recurring", f["is_recurring"] == "1"),
        widgets.select(tr("manage.services.interval"), "recurring_interval",
                  [("", "—"), ("day", tr("manage.interval.day")), ("week", tr("manage.interval.week")),
                   ("month", tr("manage.interval.month")), ("year", tr("manage.interval.year"))],
                  default=f["recurring_interval"]),
        rx.cond(widgets.field_error("payment_enabled") != "",
                rx.text(widgets.field_error("payment_enabled"), color_scheme="red", size="2", role="alert")),
        id_="payment-settings",
    )


def service_form() -> rx.Component:
    f = S.form
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(rx.cond(S.editing, tr("manage.services.edit_title"), tr("manage.services.new_title")),
                           size="5", as_="h2"),
                widgets.grid(
                    widgets.field(tr("manage.services.name"), "name", f["name"]),
                    widgets.field(tr("manage.services.duration"), "duration_minutes", f["duration_minutes"], input_mode="numeric"),
                    widgets.select(tr("manage.services.price_type"), "price_type",
                              [("fixed", tr("manage.price.fixed")), ("per_hour", tr("manage.price.per_hour")),
                               ("per_person", tr("manage.price.per_person"))], default=f["price_type"]),
                    widgets.field(tr("manage.services.price"), "base_price_amount", f["base_price_amount"], input_mode="decimal"),
                ),
                widgets.textarea(tr("manage.services.description"), "description", f["description"], rows="3"),
                widgets.grid(
                    widgets.field(tr("manage.services.min_persons"), "min_persons", f["min_persons"], input_mode="numeric"),
                    widgets.field(tr("manage.services.max_persons"), "max_persons", f["max_persons"], input_mode="numeric"),
                    widgets.field(tr("manage.services.capacity"), "capacity_persons", f["capacity_persons"], input_mode="numeric",
                             hint=tr("manage.services.capacity_hint")),
                    widgets.field(tr("manage.services.buffer_before"), "buffer_before_minutes", f["buffer_before_minutes"],
                             input_mode="numeric"),
                    widgets.field(tr("manage.services.buffer_after"), "buffer_after_minutes", f["buffer_after_minutes"],
                             input_mode="numeric"),
                    widgets.field(tr("manage.services.step"), "slot_step_minutes", f["slot_step_minutes"], input_mode="numeric",
                             hint=tr("manage.services.step_hint")),
                    widgets.field(tr("manage.services.available_from"), "available_from", f["available_from"], type_="date"),
                    widgets.field(tr("manage.services.available_until"), "available_until", f["available_until"], type_="date"),
                    widgets.field(tr("manage.services.notice"), "min_notice_minutes", f["min_notice_minutes"], input_mode="numeric",
                             hint=tr("manage.services.store_default")),
                    widgets.field(tr("manage.services.horizon"), "booking_horizon_days", f["booking_horizon_days"],
                             input_mode="numeric", hint=tr("manage.services.store_default")),
                ),
                rx.el.fieldset(
                    rx.el.legend(tr("manage.services.calendars"), style={"fontWeight": "500"}),
                    rx.cond(S.calendar_choices.length() > 0,
                            rx.flex(rx.foreach(S.calendar_choices, lambda c: widgets.checkbox(
                                c["name"], "cal_" + c["id"], c["checked"] == "1", prefix="svc")), spacing="4", wrap="wrap"),
                            widgets.empty("manage.services.no_calendars")),
                    style={"border": "1px solid var(--gray-a5)", "borderRadius": "var(--radius-3)", "padding": "0.6em 1em"},
                ),
                rx.cond(ManageState.stripe_enabled, payment_fields()),
                rx.cond(ManageState.error_text != "", rx.callout(ManageState.error_text, color_scheme="red", role="alert",
                                                                 id="service-form-error")),
                rx.flex(
                    rx.button(tr("manage.save"), type="submit", size="3", id="service-save"),
                    rx.button(tr("manage.cancel"), type="button", on_click=S.close_form, variant="soft", size="3"),
                    spacing="3",
                ),
                spacing="4", width="100%", align="stretch",
            ),
            on_submit=S.save, reset_on_submit=False, key=S.form_key, width="100%",
        ),
        width="100%", id="service-form",
    )


def content() -> rx.Component:
    return rx.vstack(
        rx.flex(rx.button(tr("manage.services.new"), on_click=S.new_service, size="3", id="new-service"), width="100%"),
        rx.cond(S.form_open, service_form()),
        rx.cond(S.services.length() > 0, rx.vstack(rx.foreach(S.services, service_card), spacing="3", width="100%"),
                widgets.empty("manage.services.none")),
        spacing="4", width="100%",
    )


def services_page() -> rx.Component:
    return manage_page("services", "manage.nav.services", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/services", services_page, [S.load])
