"""Domain-facing functions of the booking detail's refunds: the charges with what is left to
refund and the policy's suggestion, and one refund through billing's `refund_payment` (the same
function and rules as `POST /api/v1/payments/{id}/refund`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hub_app.db import unit_of_work
from hub_app.domain.billing.refund_options import refundable_charges
from hub_app.domain.billing.refunds import refund_payment
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime, format_money, t


def charge_rows(ctx: TenantContext, booking_id: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(the paid charges, the refunds made of them): flat rows, as the page lists them."""
    with unit_of_work(ctx) as db:
        tz = dashboard_store(db, ctx).timezone
        charges = refundable_charges(db, ctx, booking_id)
    loc = ctx.locale

    def when(value) -> str:
        return format_datetime(value, tz, loc) if value else ""

    rows = [{
        "id": str(c.id), "paid": format_money(c.amount, c.currency, loc), "left": format_money(c.left, c.currency, loc),
        "can_refund": "1" if c.left > 0 else "", "suggested": f"{c.suggested:.2f}", "paid_at": when(c.paid_at),
        "method": t("manage.refunds.at_store" if c.payment_method == "at_store" else "manage.refunds.online", loc),
    } for c in charges]
    made = [{"id": str(r.id), "charge": str(c.id), "amount": format_money(r.amount, c.currency, loc),
             "when": when(r.made_at), "status": t(f"manage.refunds.status_{r.status}", loc)}
            for c in charges for r in c.refunds]
    return rows, made


def parse_amount(text: str, locale: str) -> Decimal:
    """A typed amount ("12.50" or "12,50"); anything else is a field error, never a crash."""
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0:
        message = t("manage.refunds.bad_amount", locale)
        raise ValidationFailed(message, fields={"amount": message})
    return amount


def refund(ctx: TenantContext, payment_id: int, amount_text: str, reason: str) -> None:
    amount = parse_amount(amount_text, ctx.locale)
    with unit_of_work(ctx) as db:
        refund_payment(db, ctx, payment_id, amount, reason=reason.strip()[:200] or "requested_by_customer")
