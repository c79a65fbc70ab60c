"""/manage/subscription: the plan, its limits and what the store uses, and the other plans."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.manage.subscription.state import SubscriptionState as S
from hub_app.pages.components import tr


def meter(label_key: str, name: str) -> rx.Component:
    m = S.usage[name]
    return rx.vstack(
        rx.flex(rx.text(tr(label_key), size="2", weight="bold"), rx.spacer(),
                rx.text(m["count"] + " / " + rx.cond(m["limit"] != "", m["limit"], tr("manage.subscription.unlimited")),
                        size="2", id=f"usage-{name}"), width="100%"),
        rx.box(rx.box(width=m["bar"], height="100%", border_radius="4px",
                      background=rx.cond(m["full"] == "1", "var(--red-9)", "var(--teal-9)")),
               height="0.8em", width="100%", background="var(--gray-a3)", border_radius="4px"),
        spacing="1", width="100%",
    )


def limit_line(label_key: str, value: rx.Var) -> rx.Component:
    return rx.text(tr(label_key) + ": " + rx.cond(value != "", value, tr("manage.subscription.unlimited")), size="2")


def plan_card(p: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(p["name"], size="4", as_="h3"),
            rx.text(p["price"] + " / " + widgets.tr_dynamic("manage.interval.", p["interval"]), weight="bold"),
            rx.cond(p["description"] != "", rx.text(p["description"], size="2", color_scheme="gray")),
            limit_line("manage.subscription.services", p["services"]),
            limit_line("manage.subscription.calendars", p["calendars"]),
            limit_line("manage.subscription.bookings", p["bookings"]),
            limit_line("manage.subscription.sms", p["sms"]),
            rx.cond(p["current"] == "1",
                    rx.badge(tr("manage.subscription.current_badge"), color_scheme="teal", size="2"),
                    rx.button(tr("manage.subscription.upgrade"), on_click=S.upgrade(p["id"]),
                              aria_label=tr("manage.subscription.upgrade") + ": " + p["name"])),
            spacing="2", align="start",
        ),
        class_name="plan-card",
    )


def content() -> rx.Component:
    return rx.vstack(
        widgets.plan_banners(S.banners),
        widgets.section(
            tr("manage.subscription.current"),
            rx.cond(S.plan.get("id", "") != "",
                    rx.text(S.plan.get("name", "") + " · " + S.plan.get("price", ""), size="4", weight="bold", id="current-plan"),
                    rx.text(tr("manage.subscription.no_plan"), id="current-plan")),
            meter("manage.subscription.services", "services"),
            meter("manage.subscription.calendars", "calendars"),
            meter("manage.subscription.bookings", "bookings"),
            meter("manage.subscription.sms_used", "sms"),
            rx.text(tr("manage.subscription.sms_period_end") + ": " + S.sms.get("period_end", ""), size="2",
                    id="sms-period-end"),
            rx.cond(S.sms.get("overage", "0") != "0",
                    rx.text(tr("manage.subscription.sms_overage") + ": " + S.sms.get("overage", "0"), size="2",
                            id="sms-overage")),
        ),
        rx.heading(tr("manage.subscription.plans"), size="5", as_="h2"),
        rx.cond(S.plans.length() > 0,
                rx.box(rx.foreach(S.plans, plan_card),
                       style={"display": "grid", "gap": "1em", "gridTemplateColumns": "repeat(auto-fill, minmax(15em, 1fr))"},
                       width="100%"),
                widgets.empty("manage.subscription.no_plans")),
        spacing="4", width="100%",
    )


def subscription_page() -> rx.Component:
    return manage_page("subscription", "manage.nav.subscription", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/subscription", subscription_page, [S.load])
