"""Booking payments: Connect onboarding, success, failure, holds, balance.

Money flow B (clients pay stores): every charge is a direct charge on the store's connected
account (`acct_…`). A booking that needs payment is PENDING with `hold_expires_at`; checkout.py
opens a Checkout Session for the advance, the full amount or the balance, tracked by a PENDING
Payment row; the webhook events (payment_events.py) settle it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.gateway import ConnectedAccount, GatewayError
from hub_app.domain.billing.gateway_factory import gateway_failure, get_gateway, require_gateway
from hub_app.domain.billing.readiness import onboarding_state_for, payments_available  # noqa: F401  (part of this interface: the API and pages read it here)
from hub_app.domain.billing.settlement import AT_STORE_METHOD, settle_status
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.billing.refunds import refund_charge
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.outbound_webhooks import events as webhook_events
from hub_app.domain.permissions import Feature, allowed, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

logger = logging.getLogger(__name__)

# --- Connect onboarding -------------------------------------------------------------------------


def _store_for(db: Session, ctx: TenantContext, store_id: int | None) -> Store:
    store = db.get(Store, store_id or ctx.store_id) if (store_id or ctx.store_id) else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def start_onboarding(db: Session, ctx: TenantContext, *, return_url: str, refresh_url: str,
                     store_id: int | None = None) -> str:
    """Create the store's connected account if needed and return a fresh onboarding link."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    store = _store_for(db, ctx, store_id)
    gateway = require_gateway(ctx.locale)
    try:
        if not store.stripe_account_id:
            account = gateway.create_connected_account(
                email=store.email, country=store.country, metadata={"store_id": str(store.id)},
                idempotency_key=f"store-{store.id}-connect-account")
            store.stripe_account_id = account.id
            store.stripe_onboarding_state = onboarding_state_for(account)
            audit(db, ctx, entity=store, action="stripe_account_created", store_id=store.id,
                  after={"stripe_account_id": account.id})
        link = gateway.create_onboarding_link(store.stripe_account_id, refresh_url=refresh_url,
                                              return_url=return_url)
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    return link.url


def refresh_onboarding(db: Session, ctx: TenantContext, store_id: int | None = None) -> str:
    """Ask Stripe for the account's state now (the return page calls this)."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    store = _store_for(db, ctx, store_id)
    if not store.stripe_account_id:
        return store.stripe_onboarding_state
    try:
        account = require_gateway(ctx.locale).retrieve_connected_account(store.stripe_account_id)
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    apply_account_state(db, ctx, store, account)
    return store.stripe_onboarding_state


def apply_account_state(db: Session, ctx: TenantContext, store: Store, account: ConnectedAccount) -> None:
    state = onboarding_state_for(account)
    if state != store.stripe_onboarding_state:
        before = store.stripe_onboarding_state
        store.stripe_onboarding_state = state
        audit(db, ctx, entity=store, action="stripe_onboarding_changed", store_id=store.id,
              before={"state": before}, after={"state": state})


# --- booking checkout ---------------------------------------------------------------------------


def _booking_for_payment(db: Session, ctx: TenantContext, booking_id: int) -> Booking:
    booking = db.get(Booking, booking_id)
    if booking is None or (not ctx.bypass and booking.store_id != ctx.store_id):
        raise NotFound(t("booking.not_found", ctx.locale))
    if not (ctx.bypass or booking.client_user_id == ctx.user_id or allowed(ctx, Feature.MANAGE_BOOKINGS)):
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    return booking


def amount_due(booking: Booking, pay_full: bool = False) -> Decimal:
    """What the next payment is for: the advance (or everything) at first, then the balance."""
    paid = Decimal(booking.amount_paid or 0)
    total = Decimal(booking.total_amount)
    if paid == 0 and booking.advance_payment_amount and not pay_full:
        return Decimal(booking.advance_payment_amount)
    return max(total - paid, Decimal("0.00"))


# --- settling -----------------------------------------------------------------------------------


def _lifecycle():
    # Imported lazily: the booking service may import billing modules (refunds on cancel).
    from hub_app.domain.bookings import service as bookings

    return bookings


def record_booking_payment(db: Session, ctx: TenantContext, payment: Payment, *, payment_intent_id: str | None = None,
                           charge_id: str | None = None, method: str | None = "card") -> Payment | None:
    """The checkout the app opened (`payment`) was paid: idempotent across both events and redeliveries.

    The webhook matched the event to `payment` (the session or intent id the app recorded) and
    checked its store, amount and currency, so the amount recorded is the one the app asked for.
    Confirms a pending booking. A payment that lands after its booking was released (the hold
    ran out first) is refunded at once: the slot may already belong to someone else.
    Returns the Payment, or None when this payment was already recorded.
    """
    if payment.status in (PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED):
        if payment_intent_id and not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = payment_intent_id
        if charge_id and not payment.stripe_charge_id:
            payment.stripe_charge_id = charge_id
        return None
    booking = db.get(Booking, payment.booking_id)
    if booking is None:
        raise NotFound(t("booking.not_found", ctx.locale))
    amount = Decimal(payment.amount)
    payment.status = PaymentRecordStatus.SUCCEEDED
    payment.payment_date = utcnow()
    payment.payment_method = method
    payment.failure_reason = None
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or payment_intent_id
    payment.stripe_charge_id = payment.stripe_charge_id or charge_id
    db.flush()
    before = {"status": booking.status.value, "payment_status": booking.payment_status.value,
              "amount_paid": str(booking.amount_paid)}
    booking.amount_paid = Decimal(booking.amount_paid) + amount
    settle_status(booking)
    audit(db, ctx, entity=payment, action="payment_succeeded",
          after={"amount": str(amount), "currency": payment.currency, "intent": payment_intent_id})
    webhook_events.payment_succeeded(db, payment)
    if booking.status == BookingStatus.PENDING:
        _lifecycle().transition(db, ctx, booking, BookingStatus.CONFIRMED, reason="payment received")
    elif booking.status in (BookingStatus.CANCELLED, BookingStatus.RESCHEDULED):
        refund_charge(db, ctx, payment, amount, reason="late payment for a released booking")
    audit(db, ctx, entity=booking, action="payment_applied", before=before,
          after={"status": booking.status.value, "payment_status": booking.payment_status.value,
                 "amount_paid": str(booking.amount_paid)})
    return payment


def release_unpaid_booking(db: Session, ctx: TenantContext, booking_id: int, *, reason: str,
                           checkout_session_id: str | None = None, expire_sessions: bool = True) -> bool:
    """Payment failed or ran out: close open sessions, cancel the pending booking, tell the client.

    A booking that is already confirmed (paying its balance) only gets the attempt marked failed.
    Returns True when the booking was released now.
    """
    # Locked and re-read: the hold expiry and a webhook may release the same booking at once.
    booking = db.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    if booking is None:
        return False
    store = db.get(Store, booking.store_id)
    pending = db.scalars(select(Payment).where(
        Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.PENDING)).all()
    gateway = get_gateway() if expire_sessions else None
    for payment in pending:
        session_id = payment.stripe_checkout_session_id
        if session_id and session_id != checkout_session_id and gateway is not None and store.stripe_account_id:
            try:
                gateway.expire_checkout_session(session_id, account_id=store.stripe_account_id)
            except GatewayError as exc:
                if exc.status is None or exc.status >= 500 or exc.retryable:
                    raise  # let the caller retry: a session left open could still be paid
        payment.status = PaymentRecordStatus.FAILED
        payment.failure_reason = reason[:300]
    if booking.status != BookingStatus.PENDING or Decimal(booking.amount_paid) > 0:
        return False
    # The lifecycle gate audits the change and tells the client through the outbox.
    _lifecycle().transition(db, ctx, booking, BookingStatus.CANCELLED, reason=reason)
    return True


def expire_payment_holds(db: Session, ctx: TenantContext, now: datetime | None = None) -> int:
    """Release every pending booking whose hold ran out (system work, run every minute)."""
    now = now or utcnow()
    due = db.scalars(select(Booking.id).where(
        Booking.status == BookingStatus.PENDING, Booking.hold_expires_at.is_not(None),
        Booking.hold_expires_at <= now)).all()
    released = 0
    for booking_id in due:
        try:
            with db.begin_nested():
                released += release_unpaid_booking(db, ctx, booking_id, reason="payment hold expired")
        except GatewayError as exc:
            # Stripe unreachable: keep the hold and try again on the next run.
            logger.warning("could not release booking %s yet: %s", booking_id, exc)
    return released


def mark_paid_at_store(db: Session, ctx: TenantContext, booking_id: int, now: datetime | None = None) -> Payment:
    """The client paid the rest at the counter (manager): record it and settle the booking."""
    require(ctx, Feature.MANAGE_BOOKINGS)
    booking = _booking_for_payment(db, ctx, booking_id)
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.RESCHEDULED):
        raise Conflict(t("payments.booking_not_payable", ctx.locale))
    amount = amount_due(booking, pay_full=True)
    if amount <= 0:
        raise ValidationFailed(t("payments.nothing_due", ctx.locale))
    payment = Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                      kind=PaymentKind.CHARGE, amount=amount, currency=booking.currency,
                      status=PaymentRecordStatus.SUCCEEDED, payment_method=AT_STORE_METHOD,
                      payment_date=now or utcnow())
    db.add(payment)
    db.flush()
    booking.amount_paid = Decimal(booking.amount_paid) + amount
    settle_status(booking)
    audit(db, ctx, entity=payment, action="paid_at_store", after={"amount": str(amount)})
    webhook_events.payment_succeeded(db, payment)
    if booking.status == BookingStatus.PENDING:
        _lifecycle().transition(db, ctx, booking, BookingStatus.CONFIRMED, reason="paid at the store")
    return payment


def booking_payments(db: Session, ctx: TenantContext, booking_id: int) -> list[Payment]:
    booking = _booking_for_payment(db, ctx, booking_id)
    return list(db.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)))


