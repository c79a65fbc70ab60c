"""`/account`, Subscriptions: each recurring service with its store, status and period, and Cancel."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import notice, tr
from hub_app.state.account_subscriptions import AccountSubscriptionsState as S


def subscription_card(row: dict) -> rx.Component:
    asking = S.confirm_cancel_subscription == row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row["service"], weight="bold"),
                rx.badge(row["status_label"], color_scheme="gray"),
                spacing="2",
                wrap="wrap",
            ),
            rx.text(row["store"] + " · " + row["price"], size="2"),
            rx.cond(row["period"] != "", rx.text(row["period"], size="2", class_name="subscription-period")),
            rx.cond(
                row["cancellable"] != "",
                rx.cond(
                    asking,
                    rx.hstack(
                        rx.text(tr("subscription.cancel_question"), size="2"),
                        rx.button(tr("subscription.cancel_yes"), color_scheme="red", size="2",
                                  on_click=S.cancel_subscription(row["id"]), class_name="subscription-cancel-yes"),
                        rx.button(tr("account.cancel_no"), variant="soft", size="2",
                                  on_click=S.ask_cancel_subscription("")),
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.button(tr("subscription.cancel"), variant="soft", color_scheme="red", size="2",
                              on_click=S.ask_cancel_subscription(row["id"]), class_name="subscription-cancel",
                              aria_label=tr("subscription.cancel") + ": " + row["service"]),
                ),
            ),
            spacing="2",
            align="start",
        ),
        width="100%",
        class_name="subscription-row",
    )


def subscriptions_section() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("subscription.title"), size="6", as_="h2"),
        notice(S.subscription_error, id_="subscription-error"),
        notice(S.subscription_message, "green", id_="subscription-message"),
        rx.cond(
            S.subscriptions.length() > 0,
            rx.vstack(rx.foreach(S.subscriptions, subscription_card), width="100%", id="subscriptions"),
            rx.text(tr("subscription.none"), id="subscriptions"),
        ),
        spacing="3",
        width="100%",
    )
