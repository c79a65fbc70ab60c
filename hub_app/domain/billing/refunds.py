"""Refunds through Stripe, and the cancellation refund policy.

Policy: a cancellation by the store (manager or admin) refunds everything paid. A cancellation by
the client refunds everything before the store's cutoff (`cancellation_cutoff_hours` before the
start); after it the advance is kept and only what was paid beyond it comes back (a service
without an advance keeps everything after the cutoff).

Every refund is a Payment row (kind=refund, refund_of_payment_id) plus an audit entry, and moves
the booking's amount_paid and payment_status (refunded when nothing is left, else partial).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.gateway import GatewayError
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.billing.money import to_minor
from hub_app.domain.billing.gateway_factory import gateway_failure, require_gateway
from hub_app.domain.billing.settlement import AT_STORE_METHOD, is_manager, settle_status
from hub_app.domain.bookings.models import Booking
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.errors import NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

REFUND_STATUS = {
    "succeeded": PaymentRecordStatus.SUCCEEDED, "pending": PaymentRecordStatus.PENDING,
    "requires_action": PaymentRecordStatus.PENDING, "failed": PaymentRecordStatus.FAILED,
    "canceled": PaymentRecordStatus.FAILED,
}


def refunded_so_far(db: Session, charge: Payment) -> Decimal:
    total = db.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.refund_of_payment_id == charge.id, Payment.status != PaymentRecordStatus.FAILED))
    return Decimal(total or 0)


def refund_payment(db: Session, ctx: TenantContext, payment_id: int, amount: Decimal | None = None,
                   reason: str = "requested_by_customer") -> Payment:
    """Refund (part of) one charge: the manager's or admin's refund button."""
    require(ctx, Feature.MANAGE_BOOKINGS)
    charge = db.get(Payment, payment_id)
    if charge is None:
        raise NotFound(t("payments.not_found", ctx.locale))
    return refund_charge(db, ctx, charge, amount, reason=reason)


def refund_charge(db: Session, ctx: TenantContext, charge: Payment, amount: Decimal | None = None, *,
                  reason: str = "requested_by_customer") -> Payment:
    """Refund without a permission check (policy refunds and late payments call this)."""
    if charge.kind != PaymentKind.CHARGE or charge.status not in (
            PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED):
        raise ValidationFailed(t("payments.not_refundable", ctx.locale))
    refundable = Decimal(charge.amount) - refunded_so_far(db, charge)
    amount = refundable if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0 or amount > refundable:
        raise ValidationFailed(t("payments.refund_too_large", ctx.locale, max=str(refundable)),
                               fields={"amount": t("payments.refund_too_large", ctx.locale, max=str(refundable))})
    attempt = 1 + (db.scalar(select(func.count()).select_from(Payment).where(
        Payment.refund_of_payment_id == charge.id)) or 0)
    refund = Payment(store_id=charge.store_id, user_id=charge.user_id, booking_id=charge.booking_id,
                     subscription_id=charge.subscription_id, kind=PaymentKind.REFUND,
                     refund_of_payment_id=charge.id, amount=amount, currency=charge.currency,
                     status=PaymentRecordStatus.SUCCEEDED, payment_method=charge.payment_method,
                     payment_date=utcnow(), failure_reason=None)
    if charge.payment_method != AT_STORE_METHOD:
        if not charge.stripe_payment_intent_id:
            raise ValidationFailed(t("payments.not_refundable", ctx.locale))
        store = db.get(Store, charge.store_id)
        try:
            remote = require_gateway(ctx.locale).create_refund(
                payment_intent_id=charge.stripe_payment_intent_id, amount=to_minor(amount, charge.currency),
                account_id=store.stripe_account_id if charge.booking_id else None,
                reason=reason if reason in ("duplicate", "fraudulent", "requested_by_customer")
                else "requested_by_customer",
                metadata={"payment_id": str(charge.id), "booking_id": str(charge.booking_id or "")},
                idempotency_key=f"payment-{charge.id}-refund-{attempt}-{to_minor(amount, charge.currency)}")
        except GatewayError as exc:
            raise gateway_failure(exc, ctx.locale) from exc
        refund.stripe_refund_id = remote.id
        refund.status = REFUND_STATUS.get(remote.status, PaymentRecordStatus.PENDING)
    db.add(refund)
    db.flush()
    if refund.status != PaymentRecordStatus.FAILED:
        _apply_refund(db, charge, amount)
    audit(db, ctx, entity=refund, action="refund_created",
          after={"amount": str(amount), "of_payment": charge.id, "reason": reason, "stripe": refund.stripe_refund_id})
    if refund.status == PaymentRecordStatus.SUCCEEDED:
        webhook_events.payment_refunded(db, refund)  # a pending one is announced when it settles
    return refund


def _apply_refund(db: Session, charge: Payment, amount: Decimal) -> None:
    if refunded_so_far(db, charge) >= Decimal(charge.amount):
        charge.status = PaymentRecordStatus.REFUNDED
    if charge.booking_id is not None:
        booking = db.get(Booking, charge.booking_id)
        booking.amount_paid = max(Decimal(booking.amount_paid) - amount, Decimal("0.00"))
        settle_status(booking)
        if booking.amount_paid == 0 and refunded_so_far(db, charge) > 0:
            from hub_app.domain.bookings.models import PaymentStatus

            booking.payment_status = PaymentStatus.REFUNDED


def apply_refund_update(db: Session, ctx: TenantContext, *, refund_id: str, status: str) -> Payment | None:
    """refund.updated / charge.refunded: a pending refund settled (or failed) later."""
    refund = db.scalar(select(Payment).where(Payment.stripe_refund_id == refund_id))
    if refund is None:
        return None
    new_status = REFUND_STATUS.get(status, refund.status)
    if new_status == refund.status:
        return refund
    was_counted = refund.status != PaymentRecordStatus.FAILED
    refund.status = new_status
    charge = db.get(Payment, refund.refund_of_payment_id)
    if new_status == PaymentRecordStatus.FAILED and was_counted and charge is not None:
        # The money did not go back: restore what the booking had paid.
        if charge.booking_id is not None:
            booking = db.get(Booking, charge.booking_id)
            booking.amount_paid = Decimal(booking.amount_paid) + Decimal(refund.amount)
            settle_status(booking)
        charge.status = PaymentRecordStatus.SUCCEEDED
    audit(db, ctx, entity=refund, action="refund_updated", after={"status": new_status.value})
    if new_status == PaymentRecordStatus.SUCCEEDED:
        webhook_events.payment_refunded(db, refund)
    return refund


# --- cancellation policy ------------------------------------------------------------------------


def cancellation_refund_amount(booking: Booking, store: Store, *, by_store: bool,
                               cancelled_at: datetime | None = None) -> Decimal:
    paid = Decimal(booking.amount_paid or 0)
    if paid <= 0:
        return Decimal("0.00")
    if by_store:
        return paid
    cutoff = booking.start_at - timedelta(hours=store.cancellation_cutoff_hours)
    if (cancelled_at or utcnow()) < cutoff:
        return paid
    kept = Decimal(booking.advance_payment_amount) if booking.advance_payment_amount is not None else paid
    return max(paid - kept, Decimal("0.00"))


def refund_for_cancellation(db: Session, ctx: TenantContext, booking_id: int, *, by_store: bool | None = None,
                            cancelled_at: datetime | None = None) -> list[Payment]:
    """Refund what the policy says for a cancelled booking; newest charges are refunded first."""
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound(t("booking.not_found", ctx.locale))
    if not (ctx.bypass or booking.client_user_id == ctx.user_id or is_manager(ctx)):
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    by_store = is_manager(ctx) if by_store is None else by_store
    store = db.get(Store, booking.store_id)
    remaining = cancellation_refund_amount(booking, store, by_store=by_store,
                                           cancelled_at=cancelled_at or booking.cancelled_at)
    refunds: list[Payment] = []
    charges = db.scalars(select(Payment).where(
        Payment.booking_id == booking.id, Payment.kind == PaymentKind.CHARGE,
        Payment.status == PaymentRecordStatus.SUCCEEDED).order_by(Payment.id.desc())).all()
    for charge in charges:
        if remaining <= 0:
            break
        part = min(remaining, Decimal(charge.amount) - refunded_so_far(db, charge))
        if part > 0:
            refunds.append(refund_charge(db, ctx, charge, part, reason="requested_by_customer"))
            remaining -= part
    return refunds


def cancel_with_refund(db: Session, ctx: TenantContext, booking_id: int, reason: str | None = None) -> Booking:
    """Cancel through the booking lifecycle, then refund by policy (store: all; client: per cutoff)."""
    from hub_app.domain.bookings import service as bookings

    booking = bookings.cancel_booking(db, ctx, booking_id, reason=reason)
    refund_for_cancellation(db, ctx, booking.id, by_store=is_manager(ctx), cancelled_at=booking.cancelled_at)
    return booking
