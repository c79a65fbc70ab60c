"""Small rules shared by payments and refunds: how a booking's payment status follows its amount
paid, and who acts for the store (kept apart so refunds need not import the payment service,
which refunds late payments)."""

from __future__ import annotations

from decimal import Decimal

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import Booking, PaymentStatus
from hub_app.domain.tenancy import TenantContext

AT_STORE_METHOD = "at_store"


def settle_status(booking: Booking) -> None:
    """The booking's payment status from what has been paid of its total."""
    paid = Decimal(booking.amount_paid)
    if paid <= 0:
        booking.payment_status = PaymentStatus.UNPAID
    elif paid >= Decimal(booking.total_amount):
        booking.payment_status = PaymentStatus.PAID
    else:
        booking.payment_status = PaymentStatus.PARTIAL


def is_manager(ctx: TenantContext) -> bool:
    return ctx.bypass or ctx.role in (UserRole.STORE_MANAGER, UserRole.ADMIN)
