"""Opening a booking's hosted Checkout, with no database transaction open while Stripe answers.

A slow Stripe must not hold pooled connections (or the booking's lock), so the work is split:
1. a short transaction reads the booking and the sessions already opened for it;
2. Stripe: a still-open session for the same amount is handed out again, others are closed;
3. a short transaction, under the booking's lock, records that and finds or makes the PENDING
   Payment for the new checkout, with the idempotency key it will send (`checkout_request_key`);
4. Stripe: the session is created under that key (no transaction open);
5. a short transaction records the session's id on that Payment.
If the process dies between 4 and 5, the Payment stays PENDING without a session: the next call
finds it in step 3 and sends the same key with the same parameters, so Stripe answers with the
same session instead of opening a second one. Two calls racing meet on the same Payment the same
way. The session id recorded in step 5 is what the webhook later matches payments against.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.gateway import GatewayError, PaymentCheckoutRequest, PaymentsGateway
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.billing.money import stripe_currency, to_minor
from hub_app.domain.billing.gateway_factory import gateway_failure, require_gateway
from hub_app.domain.billing.readiness import payments_available
from hub_app.domain.billing.service import _booking_for_payment, amount_due
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import Conflict
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
STRIPE_MIN_LIFETIME = timedelta(minutes=30)
REPLACED = "checkout replaced"


@dataclass(frozen=True)
class CheckoutStart:
    url: str
    session_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class _OpenSession:
    payment_id: int
    session_id: str
    amount: Decimal


def start_booking_checkout(ctx: TenantContext, booking_id: int, *, pay_full: bool = False,
                           success_url: str | None = None, cancel_url: str | None = None,
                           now: datetime | None = None, engine: Engine | None = None) -> CheckoutStart:
    """Open (or reopen) the hosted Checkout for a booking's advance, full amount, or balance.

    Manages its own short transactions (see the module's docstring): call it with none open.
    """
    now = now or utcnow()
    for first_pass in (True, False):
        with hub_db.unit_of_work(ctx, engine) as db:
            booking, store, amount = _payable(db, ctx, booking_id, pay_full, now)
            account_id, currency = store.stripe_account_id, booking.currency
            opened = [_OpenSession(p.id, p.stripe_checkout_session_id, Decimal(p.amount)) for p in db.scalars(
                select(Payment).where(Payment.booking_id == booking.id,
                                      Payment.status == PaymentRecordStatus.PENDING,
                                      Payment.stripe_checkout_session_id.is_not(None)))]
        gateway = require_gateway(ctx.locale)
        reused, closed = _look_at_sessions(ctx, gateway, account_id, opened, amount)
        # Marked before Stripe expires them: the expiry's webhook must find them replaced, not
        # waiting (an expired waiting checkout releases the booking).
        with hub_db.unit_of_work(ctx, engine) as db:
            for item, reason in closed:
                _give_up(db.get(Payment, item.payment_id), reason, session_too=True)
        if reused is not None:
            return CheckoutStart(url=reused[1], session_id=reused[0], amount=amount, currency=currency)
        for item, reason in closed:
            if reason == REPLACED:
                try:
                    gateway.expire_checkout_session(item.session_id, account_id=account_id)
                except GatewayError as exc:
                    if exc.status != 400:          # 400: no longer open (paid or expired meanwhile)
                        raise gateway_failure(exc, ctx.locale) from exc

        with hub_db.unit_of_work(ctx, engine) as db:
            # Locked: two calls for one booking meet on the same Payment (SQLite: BEGIN IMMEDIATE).
            db.get(Booking, booking_id, with_for_update=True, populate_existing=True)
            booking, store, amount = _payable(db, ctx, booking_id, pay_full, now)
            if first_pass and _opened_meanwhile(db, booking.id, opened):
                continue   # another call finished opening one since we looked: look again (reuse it)
            payment, request = _checkout_payment(db, ctx, booking, store, amount, success_url, cancel_url, now)
            payment_id = payment.id
        break

    try:
        session = gateway.create_payment_checkout(request)
    except GatewayError as exc:
        if not (exc.retryable or exc.status is None or exc.status >= 500):
            # Refused for good (Stripe replays the same answer under this key): a retry needs a new one.
            with hub_db.unit_of_work(ctx, engine) as db:
                _give_up(db.get(Payment, payment_id), f"checkout refused: {exc}")
        raise gateway_failure(exc, ctx.locale) from exc

    with hub_db.unit_of_work(ctx, engine) as db:
        payment = db.get(Payment, payment_id, with_for_update=True, populate_existing=True)
        if payment.stripe_checkout_session_id is None:
            payment.stripe_checkout_session_id = session.id
            audit(db, ctx, entity=payment, action="checkout_opened",
                  after={"amount": str(payment.amount), "currency": payment.currency, "session": session.id})
    return CheckoutStart(url=session.url or "", session_id=session.id, amount=amount, currency=currency)


def _opened_meanwhile(db: Session, booking_id: int, seen: list[_OpenSession]) -> bool:
    return db.scalar(select(Payment.id).where(
        Payment.booking_id == booking_id, Payment.status == PaymentRecordStatus.PENDING,
        Payment.stripe_checkout_session_id.is_not(None),
        Payment.id.not_in([item.payment_id for item in seen] or [0])).limit(1)) is not None


def _payable(db: Session, ctx: TenantContext, booking_id: int, pay_full: bool,
             now: datetime) -> tuple[Booking, Store, Decimal]:
    booking = _booking_for_payment(db, ctx, booking_id)
    store = db.get(Store, booking.store_id)
    ok, reason = payments_available(store, ctx.locale)
    if not ok:
        raise Conflict(reason)
    if booking.status not in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
        raise Conflict(t("payments.booking_not_payable", ctx.locale))
    if booking.status == BookingStatus.PENDING and booking.hold_expires_at and booking.hold_expires_at <= now:
        raise Conflict(t("booking.hold_expired", ctx.locale))
    service = db.get(Service, booking.service_id)
    if service is not None and service.is_recurring:
        raise Conflict(t("payments.recurring_paid_by_subscription", ctx.locale))
    amount = amount_due(booking, pay_full)
    if amount <= 0:
        raise Conflict(t("payments.nothing_due", ctx.locale))
    return booking, store, amount


def _look_at_sessions(ctx: TenantContext, gateway: PaymentsGateway, account_id: str, opened: list[_OpenSession],
                      amount: Decimal) -> tuple[tuple[str, str] | None, list[tuple[_OpenSession, str]]]:
    """A still-open session for the same amount is handed out again ((id, url)); the others that
    are not complete are to be closed: open ones replaced (expired at Stripe), the rest ended."""
    closed: list[tuple[_OpenSession, str]] = []
    for item in opened:
        try:
            session = gateway.retrieve_checkout_session(item.session_id, account_id=account_id)
        except GatewayError as exc:
            raise gateway_failure(exc, ctx.locale) from exc
        if session.status == "open" and item.amount == amount and session.url:
            return (session.id, session.url), closed
        if session.status != "complete":
            closed.append((item, REPLACED if session.status == "open" else "checkout expired"))
    return None, closed


def _checkout_payment(db: Session, ctx: TenantContext, booking: Booking, store: Store, amount: Decimal,
                      success_url: str | None, cancel_url: str | None,
                      now: datetime) -> tuple[Payment, PaymentCheckoutRequest]:
    """The PENDING Payment for the checkout to open (one left by an interrupted call, or a new
    one) and the exact request for it: the same Payment always gives the same request."""
    base = get_settings().public_base_url.rstrip("/")
    page = f"{base}/{store.slug}/bookings/{booking.id}"
    success_url = success_url or f"{page}?payment=success&session_id={{CHECKOUT_SESSION_ID}}"
    cancel_url = cancel_url or f"{page}?payment=cancelled"
    hold_end = booking.hold_expires_at if booking.status == BookingStatus.PENDING else None
    urls = hashlib.sha256(f"{success_url}\n{cancel_url}".encode()).hexdigest()[:8]
    for waiting in db.scalars(select(Payment).where(
            Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.PENDING,
            Payment.checkout_request_key.is_not(None), Payment.stripe_checkout_session_id.is_(None))):
        expires_at, _ = checkout_expiry(hold_end, waiting.payment_date)
        if (waiting.amount == amount and waiting.checkout_request_key.endswith(f"-u{urls}")
                and expires_at >= now + STRIPE_MIN_LIFETIME):
            return waiting, _request(db, booking, store, waiting, success_url, cancel_url, hold_end)
        _give_up(waiting, "checkout not opened")   # a new one must be opened instead

    minor = to_minor(amount, booking.currency)
    attempt = 1 + (db.scalar(select(func.count()).select_from(Payment).where(
        Payment.booking_id == booking.id, Payment.checkout_request_key.is_not(None))) or 0)
    _, window = checkout_expiry(hold_end, now)
    payment = Payment(store_id=booking.store_id, user_id=booking.client_user_id, booking_id=booking.id,
                      kind=PaymentKind.CHARGE, amount=amount, currency=booking.currency,
                      status=PaymentRecordStatus.PENDING, payment_date=now,
                      # Same booking, attempt, amount, window and pages -> same key -> same session.
                      checkout_request_key=f"booking-{booking.id}-checkout-v{attempt}-{minor}{window}-u{urls}")
    db.add(payment)
    db.flush()
    return payment, _request(db, booking, store, payment, success_url, cancel_url, hold_end)


def _request(db: Session, booking: Booking, store: Store, payment: Payment, success_url: str, cancel_url: str,
             hold_end: datetime | None) -> PaymentCheckoutRequest:
    client = db.get(AppUser, booking.client_user_id)
    service = db.get(Service, booking.service_id)
    expires_at, _ = checkout_expiry(hold_end, payment.payment_date)
    return PaymentCheckoutRequest(
        account_id=store.stripe_account_id, amount=to_minor(payment.amount, payment.currency),
        currency=stripe_currency(payment.currency),
        description=t("payments.checkout_description", store.locale, service=service.name if service else "",
                      when=format_datetime(booking.start_at, store.timezone, store.locale)),
        metadata={"booking_id": str(booking.id), "store_id": str(store.id), "payment_id": str(payment.id)},
        success_url=success_url, cancel_url=cancel_url, expires_at=int(expires_at.timestamp()),
        idempotency_key=payment.checkout_request_key,
        customer_email=client.email if client else None,
        client_reference_id=f"booking-{booking.id}",
    )


def _give_up(payment: Payment | None, reason: str, *, session_too: bool = False) -> None:
    """Mark a waiting checkout failed (by default only one whose session was never recorded)."""
    if payment is not None and payment.status == PaymentRecordStatus.PENDING \
            and (session_too or payment.stripe_checkout_session_id is None):
        payment.status, payment.failure_reason = PaymentRecordStatus.FAILED, reason[:300]


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
