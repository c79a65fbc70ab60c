"""`/account`, Your data: the download button, and erasing the account after a clear confirmation
that says what will happen (bookings kept and cancelled, subscriptions stopped, the email)."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import form_field, notice, tr
from hub_app.state.account_privacy import AccountPrivacyState as S


def _list(items, id_: str) -> rx.Component:
    return rx.el.ul(rx.foreach(items, lambda line: rx.el.li(line)), id=id_, style={"paddingLeft": "1.2em"})


def erase_confirmation() -> rx.Component:
    confirm_error = S.erase_errors.get("confirm", "")
    return rx.form(
        rx.vstack(
            rx.text(S.erase_keep, size="2", id="erase-keep"),
            rx.cond(
                S.erase_future.length() > 0,
                rx.vstack(rx.text(tr("privacy.erase_future"), size="2", weight="medium"),
                          _list(S.erase_future, "erase-future"), spacing="1"),
                rx.text(tr("privacy.erase_no_future"), size="2"),
            ),
            rx.cond(
                S.erase_subscriptions.length() > 0,
                rx.vstack(rx.text(tr("privacy.erase_subscriptions"), size="2", weight="medium"),
                          _list(S.erase_subscriptions, "erase-subscriptions"), spacing="1"),
            ),
            rx.text(S.erase_email_note, size="2"),
            rx.text(tr("privacy.erase_final"), size="2", weight="bold", color_scheme="red"),
            rx.box(
                form_field(tr("privacy.erase_password"), "password", S.erase_errors.get("password", ""), "",
                           "password", "current-password", "erase"),
                max_width="26em", width="100%",
            ),
            rx.hstack(
                rx.el.input(type="checkbox", name="confirm", id="erase-confirm",
                            custom_attrs={"aria-invalid": rx.cond(confirm_error != "", "true", "false"),
                                          "aria-describedby": "erase-confirm-error"}),
                rx.el.label(tr("privacy.erase_confirm_label"), html_for="erase-confirm"),
                align="center", spacing="2",
            ),
            rx.cond(confirm_error != "",
                    rx.text(confirm_error, color_scheme="red", size="2", id="erase-confirm-error")),
            rx.hstack(
                rx.button(tr("privacy.erase_button"), type="submit", color_scheme="red", size="3",
                          id="erase-submit"),
                rx.button(tr("privacy.erase_keep_account"), type="button", variant="soft", size="3",
                          on_click=S.close_erase),
                spacing="3", wrap="wrap",
            ),
            spacing="3", align="start", width="100%",
        ),
        on_submit=S.erase,
        reset_on_submit=False,
        width="100%",
        id="erase-form",
    )


def privacy_section() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("privacy.title"), size="6", as_="h2"),
        notice(S.privacy_error, id_="privacy-error"),
        rx.text(tr("privacy.export_explain"), size="2"),
        rx.button(tr("privacy.download"), on_click=S.download_my_data, variant="soft", size="3",
                  id="download-my-data"),
        rx.heading(tr("privacy.erase_title"), size="4", as_="h3"),
        rx.text(tr("privacy.erase_explain"), size="2"),
        rx.cond(
            S.erase_open,
            erase_confirmation(),
            rx.button(tr("privacy.erase_open"), on_click=S.open_erase, variant="soft", color_scheme="red",
                      size="3", id="erase-open"),
        ),
        spacing="3",
        width="100%",
        id="your-data",
    )


def erased_view() -> rx.Component:
    return rx.center(notice(S.erased_message, "green", id_="erased-message"), padding_y="3em")
