"""The booking detail's refunds: each paid charge with what is left to refund, a form to refund
part of it (the amount pre-filled with what the cancellation policy would give back now), and
the refunds made so far."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.bookings.state import BookingsState as S
from hub_app.pages.components import tr


def refund_form(charge: rx.Var) -> rx.Component:
    amount_id = "refund-amount-" + charge["id"]
    error = S.refund_errors.get(charge["id"], "")
    return rx.form(
        rx.el.input(type="hidden", name="payment_id", value=charge["id"]),
        rx.flex(
            rx.vstack(
                rx.el.label(tr("manage.refunds.amount"), html_for=amount_id,
                            style={"fontWeight": "500", "fontSize": "0.9em"}),
                rx.input(id=amount_id, name="amount", default_value=charge["suggested"], input_mode="decimal",
                         size="2", width="8em", color_scheme=rx.cond(error != "", "red", "gray"),
                         custom_attrs={"aria-invalid": rx.cond(error != "", "true", "false"),
                                       "aria-describedby": amount_id + "-error"}),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label(tr("manage.refunds.reason"), html_for="refund-reason-" + charge["id"],
                            style={"fontWeight": "500", "fontSize": "0.9em"}),
                rx.input(id="refund-reason-" + charge["id"], name="reason", size="2", width="100%", max_length=200),
                spacing="1", flex="1", min_width="10em",
            ),
            rx.button(tr("manage.refunds.refund"), type="submit", color_scheme="orange",
                      custom_attrs={"data-charge": charge["id"]}, class_name="refund-button"),
            spacing="2", align="end", wrap="wrap",
        ),
        rx.cond(error != "", rx.text(error, id=amount_id + "-error", color_scheme="red", size="2", role="alert"),
                rx.box(id=amount_id + "-error")),
        on_submit=S.refund_selected, reset_on_submit=False, width="100%",
        # A new key after each refund re-mounts the form, so the pre-filled amount follows what is left.
        key=charge["id"] + "-" + charge["left"],
    )


def charge_card(charge: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr("manage.refunds.paid") + ": " + charge["paid"] + " · " + charge["method"] + " · "
                    + charge["paid_at"], size="2"),
            rx.text(tr("manage.refunds.left") + ": " + charge["left"], size="2", weight="medium"),
            rx.cond(charge["can_refund"] == "1", refund_form(charge)),
            spacing="2", width="100%",
        ),
        width="100%", custom_attrs={"data-charge": charge["id"]}, class_name="refund-charge",
    )


def refunds_section() -> rx.Component:
    """Shown only when the booking has a paid charge."""
    return rx.cond(
        S.charges.length() > 0,
        rx.vstack(
            rx.heading(tr("manage.refunds.title"), size="3"),
            rx.foreach(S.charges, charge_card),
            rx.cond(S.refunds_made.length() > 0, rx.vstack(
                rx.text(tr("manage.refunds.made"), size="2", weight="medium"),
                rx.foreach(S.refunds_made, lambda r: rx.text(
                    r["when"] + " · " + r["amount"] + " · " + r["status"], size="2", class_name="refund-made")),
                spacing="1", width="100%", id="refunds-made",
            )),
            spacing="2", width="100%", id="booking-refunds",
        ),
    )
