"""`/account`: profile, password, and the client's bookings in every store."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.account_privacy import erased_view, privacy_section
from hub_app.pages.components import form_field, layout, notice, page_title, tr
from hub_app.pages.account_subscriptions import subscriptions_section
from hub_app.state.account import AccountState
from hub_app.state.account_privacy import AccountPrivacyState
from hub_app.state.account_subscriptions import AccountSubscriptionsState
from hub_app.state.session import SessionState


def reschedule_panel() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.flex(
                rx.vstack(
                    rx.el.label(tr("account.new_day"), html_for="reschedule-day", style={"fontWeight": "500"}),
                    rx.input(id="reschedule-day", name="day", type="date", default_value=AccountState.reschedule_day,
                             size="3"),
                    spacing="1",
                ),
                rx.button(tr("account.show_times"), type="submit", size="3"),
                spacing="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=AccountState.find_times,
            reset_on_submit=False,
        ),
        rx.cond(
            AccountState.reschedule_slots.length() > 0,
            rx.flex(
                rx.foreach(
                    AccountState.reschedule_slots,
                    lambda s: rx.button(s["label"], on_click=AccountState.reschedule_to(s["iso"]), variant="outline",
                                        custom_attrs={"data-start": s["iso"]}),
                ),
                spacing="2",
                wrap="wrap",
                id="reschedule-times",
            ),
            rx.cond(AccountState.reschedule_searched, rx.text(tr("wizard.no_free_times"))),
        ),
        rx.button(tr("account.close"), on_click=AccountState.close_reschedule, variant="ghost", size="1"),
        spacing="3",
        padding="0.75em",
        border="1px solid var(--gray-a6)",
        border_radius="var(--radius-3)",
        width="100%",
    )


def booking_card(row: rx.Var, changeable: bool) -> rx.Component:
    actions = rx.flex(
        rx.cond(
            AccountState.confirm_cancel_id == row["id"],
            rx.hstack(
                rx.text(tr("account.cancel_question"), size="2"),
                rx.button(tr("account.cancel_yes"), color_scheme="red", size="2",
                          on_click=AccountState.cancel(row["id"]), class_name="confirm-cancel"),
                rx.button(tr("account.cancel_no"), variant="soft", size="2", on_click=AccountState.ask_cancel("")),
                wrap="wrap",
                align="center",
            ),
            rx.button(tr("account.cancel"), variant="soft", color_scheme="red", size="2",
                      on_click=AccountState.ask_cancel(row["id"]), class_name="cancel-booking"),
        ),
        rx.cond(row["status"] == "pending",
                rx.button(tr("wizard.pay_now"), size="2", on_click=AccountState.pay_now(row["id"]))),
        rx.cond(row["subscribe"] != "",
                rx.button(tr("wizard.subscribe") + " · " + row["subscribe"], size="2",
                          on_click=AccountState.subscribe(row["id"]), class_name="subscribe-booking")),
        rx.button(tr("account.reschedule"), variant="soft", size="2", on_click=AccountState.open_reschedule(row["id"]),
                  class_name="reschedule-booking"),
        rx.button(tr("wizard.download_ics"), variant="ghost", size="2", on_click=AccountState.download_ics(row["id"])),
        spacing="2",
        wrap="wrap",
    ) if changeable else rx.fragment()
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text(row["service"], weight="bold"),
                rx.badge(row["status_label"]),
                justify="between",
                width="100%",
                spacing="2",
            ),
            rx.link(row["store"], href="/" + row["store_slug"], size="2"),
            rx.text(row["when"], size="2"),
            rx.text(tr("wizard.persons") + ": " + row["persons"] + " · " + row["total"], size="2", color_scheme="gray"),
            actions,
            rx.cond(changeable & (AccountState.reschedule_id == row["id"]), reschedule_panel()),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-booking-id": row["id"]},
        class_name="booking-card",
    )


def bookings_section() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("account.my_bookings"), size="6", as_="h2"),
        notice(AccountState.booking_error, id_="booking-error"),
        notice(AccountState.booking_message, "green", id_="booking-message"),
        rx.heading(tr("account.upcoming"), size="4", as_="h3"),
        rx.cond(
            AccountState.upcoming.length() > 0,
            rx.vstack(rx.foreach(AccountState.upcoming, lambda r: booking_card(r, True)), width="100%",
                      id="upcoming"),
            rx.text(tr("account.no_upcoming"), id="upcoming"),
        ),
        rx.heading(tr("account.past"), size="4", as_="h3"),
        rx.cond(
            AccountState.past.length() > 0,
            rx.vstack(rx.foreach(AccountState.past, lambda r: booking_card(r, False)), width="100%", id="past"),
            rx.text(tr("account.no_past"), id="past"),
        ),
        spacing="3",
        width="100%",
    )


def profile_section() -> rx.Component:
    def field(label_key, name, type_="text", autocomplete=None):
        return form_field(tr(label_key), name, AccountState.profile_errors.get(name, ""),
                          AccountState.profile.get(name, ""), type_, autocomplete, "profile")

    return rx.vstack(
        rx.heading(tr("account.profile"), size="6", as_="h2"),
        notice(AccountState.profile_message, "green", id_="profile-message"),
        rx.form(
            rx.vstack(
                rx.grid(
                    field("field.first_name", "first_name", autocomplete="given-name"),
                    field("field.last_name", "last_name", autocomplete="family-name"),
                    field("field.age", "age"),
                    field("field.phone", "phone", "tel", "tel"),
                    field("field.email", "email", "email", "email"),
                    field("field.address", "address", autocomplete="street-address"),
                    columns={"initial": "1", "sm": "2"},
                    spacing="4",
                    width="100%",
                ),
                rx.box(
                    form_field(tr("account.current_password_for_email"), "current_password",
                               AccountState.profile_errors.get("current_password", ""), "", "password",
                               "current-password", "profile"),
                    max_width="26em",
                    width="100%",
                ),
                rx.button(tr("account.save_profile"), type="submit", size="3", id="profile-save"),
                spacing="3",
                align="start",
                width="100%",
            ),
            on_submit=AccountState.save_profile,
            reset_on_submit=False,
            no_validate=True,  # our rules name a bad field, not the browser's bubble (see booking.py)
            # Re-mount when the profile loads so the inputs show the stored values.
            key=AccountState.profile.get("email", ""),
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def password_section() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("account.password"), size="6", as_="h2"),
        rx.form(
            rx.vstack(
                form_field(tr("field.current_password"), "current_password",
                           AccountState.password_errors.get("current_password", ""), "", "password",
                           "current-password", "pw"),
                form_field(tr("field.new_password"), "new_password",
                           AccountState.password_errors.get("new_password", ""), "", "password", "new-password", "pw"),
                rx.button(tr("account.change_password"), type="submit", size="3"),
                spacing="3",
                align="start",
                width="100%",
                max_width="26em",
            ),
            on_submit=AccountState.save_password,
            reset_on_submit=False,
        ),
        spacing="3",
        width="100%",
    )


def account_view() -> rx.Component:
    return rx.cond(
        SessionState.signed_in,
        rx.vstack(
            rx.heading(tr("account.title"), size="8", as_="h1"),
            rx.text(SessionState.user_name, color_scheme="gray"),
            bookings_section(),
            subscriptions_section(),
            profile_section(),
            password_section(),
            privacy_section(),
            spacing="6",
            width="100%",
        ),
        rx.center(rx.spinner(size="3"), padding_y="4em"),
    )


def account_page() -> rx.Component:
    # After an erasure nobody is signed in: the page says it is done instead of waiting for a session.
    return layout(rx.cond(AccountPrivacyState.erased_message != "", erased_view(), account_view()))


def register(app: rx.App) -> None:
    app.add_page(account_page, route="/account", title=page_title("title.account"),
                 on_load=[AccountState.load_account, AccountSubscriptionsState.load_subscriptions])
