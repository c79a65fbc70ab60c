"""Booking payments: Connect onboarding, Checkout for a held booking, success, failure, balance.

Money flow B (clients pay stores): every charge is a direct charge on the store's connected
account (`acct_…`). A booking that needs payment is PENDING with `hold_expires_at`; a Checkout
Session is opened for the advance or the full amount with an idempotency key derived from the
booking and its attempt number, so retries (ours or the SDK's) never charge twice. A Payment row
(PENDING) tracks the open session; the webhook events settle it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.gateway import (
    ConnectedAccount, GatewayError, PaymentCheckoutRequest, PaymentsGateway, get_gateway,
)
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.billing.money import from_minor, stripe_currency, to_minor
from hub_app.domain.bookings.models import Booking, BookingStatus, PaymentStatus
from hub_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.permissions import Feature, allowed, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_datetime, t
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

# Stripe refuses a Checkout `expires_at` sooner than 30 minutes; the (shorter) slot hold is
# enforced by expiring the session ourselves when the hold runs out.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=31)
CHECKOUT_EXPIRY_WINDOW = timedelta(minutes=10)
AT_STORE_METHOD = "at_store"


class OnboardingState:
    NOT_STARTED = "not_started"
    PENDING = "pending"          # account exists, details not submitted yet
    RESTRICTED = "restricted"    # submitted, Stripe still needs something
    COMPLETE = "complete"        # charges and payouts enabled


def onboarding_state_for(account: ConnectedAccount) -> str:
    if account.charges_enabled and account.payouts_enabled:
        return OnboardingState.COMPLETE
    return OnboardingState.RESTRICTED if account.details_submitted else OnboardingState.PENDING


def payments_available(store: Store, locale: str | None = None) -> tuple[bool, str]:
    """Can clients of `store` pay online now? (False, reason for people) otherwise."""
    if not get_settings().stripe_secret_key:
        return False, t("payments.not_configured", locale)
    if not store.stripe_enabled:
        return False, t("payments.disabled_for_store", locale)
    if not store.stripe_account_id or store.stripe_onboarding_state != OnboardingState.COMPLETE:
        return False, t("payments.onboarding_incomplete", locale)
    return True, ""


def require_gateway(locale: str | None = None) -> PaymentsGateway:
    gateway = get_gateway()
    if gateway is None:
        raise Conflict(t("payments.not_configured", locale))
    return gateway


def gateway_failure(exc: GatewayError, locale: str | None) -> Conflict:
    return Conflict(t("payments.provider_error", locale, detail=str(exc)), provider_code=exc.code)


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


@dataclass(frozen=True)
class CheckoutStart:
    url: str
    session_id: str
    amount: Decimal
    currency: str


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


def start_booking_checkout(db: Session, ctx: TenantContext, booking_id: int, *, pay_full: bool = False,
                           success_url: str | None = None, cancel_url: str | None = None,
                           now: datetime | None = None) -> CheckoutStart:
    """Open (or reopen) the hosted Checkout for a booking's advance, full amount, or balance."""
    now = now or utcnow()
    booking = _booking_for_payment(db, ctx, booking_id)
    store = db.get(Store, booking.store_id)
    ok, reason = payments_available(store, ctx.locale)
    if not ok:
        raise Conflict(reason)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise Conflict(t("payments.booking_not_payable", ctx.locale))
    if booking.status == BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= now:
        raise Conflict(t("booking.hold_expired", ctx.locale))
    amount = amount_due(booking, pay_full)
    if amount <= 0:
        raise Conflict(t("payments.nothing_due", ctx.locale))
    gateway = require_gateway(ctx.locale)
    reused = _reuse_open_session(db, ctx, gateway, booking, store, amount)
    if reused is not None:
        return reused

    attempt = 1 + (db.scalar(select(func.count()).select_from(Payment).where(
        Payment.booking_id == booking.id, Payment.stripe_checkout_session_id.is_not(None))) or 0)
    minor = to_minor(amount, booking.currency)
    client = db.get(AppUser, booking.client_user_id)
    service = db.get(Service, booking.service_id)
    base = get_settings().public_base_url.rstrip("/")
    page = f"{base}/{store.slug}/bookings/{booking.id}"
    hold_end = booking.hold_expires_at if booking.status == BookingStatus.PENDING else None
    expires_at, window = checkout_expiry(hold_end, now)
    request = PaymentCheckoutRequest(
        account_id=store.stripe_account_id, amount=minor, currency=stripe_currency(booking.currency),
        description=t("payments.checkout_description", store.locale, service=service.name if service else "",
                      when=format_datetime(booking.start_at, store.timezone, store.locale)),
        metadata={"booking_id": str(booking.id), "store_id": str(store.id), "attempt": str(attempt)},
        success_url=success_url or f"{page}?payment=success&session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=cancel_url or f"{page}?payment=cancelled",
        expires_at=int(expires_at.timestamp()),
        # Same booking, attempt and amount -> same key -> Stripe returns the same session.
        idempotency_key=f"booking-{booking.id}-checkout-v{attempt}-{minor}{window}",
        customer_email=client.email if client else None,
        client_reference_id=f"booking-{booking.id}",
    )
    try:
        session = gateway.create_payment_checkout(request)
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    payment = Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                      kind=PaymentKind.CHARGE, stripe_checkout_session_id=session.id, amount=amount,
                      currency=booking.currency, status=PaymentRecordStatus.PENDING, payment_date=now)
    db.add(payment)
    db.flush()
    audit(db, ctx, entity=payment, action="checkout_opened",
          after={"amount": str(amount), "currency": booking.currency, "session": session.id})
    return CheckoutStart(url=session.url or "", session_id=session.id, amount=amount, currency=booking.currency)


def checkout_expiry(hold_end: datetime | None, now: datetime) -> tuple[datetime, str]:
    """When a Checkout session expires, and what that adds to its idempotency key.

    A retry (double click, a crash before the session was saved) must send exactly the same
    parameters under its key, or Stripe refuses it, so the expiry may not follow the clock to the
    second. A hold long enough fixes it; otherwise it is fixed per window of
    CHECKOUT_EXPIRY_WINDOW (at least CHECKOUT_MIN_LIFETIME ahead, as Stripe requires), and the
    window is part of the key: a retry in a later window opens a new session instead of failing.
    """
    if hold_end is not None and hold_end >= now + CHECKOUT_MIN_LIFETIME:
        return hold_end, ""
    step = int(CHECKOUT_EXPIRY_WINDOW.total_seconds())
    window = int(now.timestamp()) // step
    return datetime.fromtimestamp((window + 1) * step, timezone.utc) + CHECKOUT_MIN_LIFETIME, f"-w{window}"


def _reuse_open_session(db: Session, ctx: TenantContext, gateway: PaymentsGateway, booking: Booking,
                        store: Store, amount: Decimal) -> CheckoutStart | None:
    """A still-open session for the same amount is handed out again; others are closed."""
    pending = db.scalars(select(Payment).where(
        Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.PENDING,
        Payment.stripe_checkout_session_id.is_not(None))).all()
    for payment in pending:
        try:
            session = gateway.retrieve_checkout_session(payment.stripe_checkout_session_id,
                                                        account_id=store.stripe_account_id)
            if session.status == "open" and payment.amount == amount and session.url:
                return CheckoutStart(url=session.url, session_id=session.id, amount=amount,
                                     currency=booking.currency)
            if session.status == "open":
                gateway.expire_checkout_session(session.id, account_id=store.stripe_account_id)
        except GatewayError as exc:
            raise gateway_failure(exc, ctx.locale) from exc
        if session.status != "complete":
            payment.status = PaymentRecordStatus.FAILED
            payment.failure_reason = "checkout replaced" if session.status == "open" else "checkout expired"
    return None


# --- settling -----------------------------------------------------------------------------------


def _lifecycle():
    # Imported lazily: the booking service may import billing modules (refunds on cancel).
    from hub_app.domain.bookings import service as bookings

    return bookings


def _settle_status(booking: Booking) -> None:
    paid = Decimal(booking.amount_paid)
    if paid <= 0:
        booking.payment_status = PaymentStatus.UNPAID
    elif paid >= Decimal(booking.total_amount):
        booking.payment_status = PaymentStatus.PAID
    else:
        booking.payment_status = PaymentStatus.PARTIAL


def record_booking_payment(db: Session, ctx: TenantContext, booking_id: int, *, amount_minor: int, currency: str,
                           checkout_session_id: str | None = None, payment_intent_id: str | None = None,
                           charge_id: str | None = None, method: str | None = "card") -> Payment | None:
    """A successful Stripe payment for a booking: idempotent across both events and redeliveries.

    Confirms a pending booking. A payment that lands after its booking was released (the hold
    ran out first) is refunded at once: the slot may already belong to someone else.
    Returns the Payment, or None when this payment was already recorded.
    """
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound(f"booking {booking_id} not found")
    amount = from_minor(amount_minor, currency)
    known = [p for p in (
        _payment_by(db, Payment.stripe_checkout_session_id, checkout_session_id),
        _payment_by(db, Payment.stripe_payment_intent_id, payment_intent_id)) if p is not None]
    payment = known[0] if known else None
    if payment is not None and payment.status in (PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED):
        if payment_intent_id and not payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = payment_intent_id
        if charge_id and not payment.stripe_charge_id:
            payment.stripe_charge_id = charge_id
        return None
    if payment is None:
        payment = db.scalars(select(Payment).where(
            Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.PENDING,
            Payment.stripe_payment_intent_id.is_(None), Payment.amount == amount,
        ).order_by(Payment.id.desc())).first()
    if payment is None:
        payment = Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                          kind=PaymentKind.CHARGE, amount=amount, currency=booking.currency,
                          status=PaymentRecordStatus.PENDING, payment_date=utcnow())
        db.add(payment)
    payment.status = PaymentRecordStatus.SUCCEEDED
    payment.amount = amount
    payment.payment_date = utcnow()
    payment.payment_method = method
    payment.failure_reason = None
    payment.stripe_checkout_session_id = payment.stripe_checkout_session_id or checkout_session_id
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or payment_intent_id
    payment.stripe_charge_id = payment.stripe_charge_id or charge_id
    db.flush()
    before = {"status": booking.status.value, "payment_status": booking.payment_status.value,
              "amount_paid": str(booking.amount_paid)}
    booking.amount_paid = Decimal(booking.amount_paid) + amount
    _settle_status(booking)
    audit(db, ctx, entity=payment, action="payment_succeeded",
          after={"amount": str(amount), "currency": payment.currency, "intent": payment_intent_id})
    if booking.status == BookingStatus.PENDING:
        _lifecycle().transition(db, ctx, booking, BookingStatus.CONFIRMED, reason="payment received")
    elif booking.status in (BookingStatus.CANCELLED, BookingStatus.RESCHEDULED):
        from hub_app.domain.billing.refunds import refund_charge

        refund_charge(db, ctx, payment, amount, reason="late payment for a released booking")
    audit(db, ctx, entity=booking, action="payment_applied", before=before,
          after={"status": booking.status.value, "payment_status": booking.payment_status.value,
                 "amount_paid": str(booking.amount_paid)})
    return payment


def _payment_by(db: Session, column, value: str | None) -> Payment | None:
    return db.scalar(select(Payment).where(column == value)) if value else None


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
    _settle_status(booking)
    audit(db, ctx, entity=payment, action="paid_at_store", after={"amount": str(amount)})
    if booking.status == BookingStatus.PENDING:
        _lifecycle().transition(db, ctx, booking, BookingStatus.CONFIRMED, reason="paid at the store")
    return payment


def booking_payments(db: Session, ctx: TenantContext, booking_id: int) -> list[Payment]:
    booking = _booking_for_payment(db, ctx, booking_id)
    return list(db.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)))


def is_manager(ctx: TenantContext) -> bool:
    return ctx.bypass or ctx.role in (UserRole.STORE_MANAGER, UserRole.ADMIN)
