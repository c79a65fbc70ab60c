"""Connect events about a store's account and its clients' booking payments.

Every event here comes from a store's connected account (see event_origin). A payment is applied
only when it is a Checkout session the app opened itself (its id recorded on a Payment row when
the app created it), or that session's payment intent, on the account of the store the booking
belongs to, for exactly the amount and currency the app asked for. Metadata such as `booking_id`
is never trusted: any store owner can write it on payments in their own account.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.billing import refunds, service
from hub_app.domain.billing.event_origin import (
    NotReadyYet, Origin, Refused, int_or_none, object_id, require_same_store, require_store,
)
from hub_app.domain.billing.gateway import ConnectedAccount
from hub_app.domain.billing.models import Payment, PaymentRecordStatus
from hub_app.domain.billing.money import to_minor
from hub_app.domain.bookings.models import Booking
from hub_app.domain.stores.models import Store

logger = logging.getLogger(__name__)


# --- the store's account ------------------------------------------------------------------------


def on_account_updated(db, ctx, obj, event, created, origin: Origin) -> None:
    if origin.account is not None and obj.get("id") != origin.account:
        raise Refused(f"account.updated about {obj.get('id')} sent by connected account {origin.account}")
    store = db.scalar(select(Store).where(Store.stripe_account_id == obj["id"]))
    if store is None:
        logger.info("account.updated for unknown account %s", obj["id"])
        return
    account = ConnectedAccount(
        id=obj["id"], charges_enabled=bool(obj.get("charges_enabled")),
        payouts_enabled=bool(obj.get("payouts_enabled")), details_submitted=bool(obj.get("details_submitted")),
        currently_due=tuple((obj.get("requirements") or {}).get("currently_due") or ()))
    service.apply_account_state(db, ctx, store, account)


# --- matching a payment to what the app opened ----------------------------------------------------


def _opened_checkout(db: Session, origin: Origin, session_id: str) -> Payment:
    """The booking payment whose Checkout session the app opened as `session_id`, on this store."""
    what = f"checkout session {session_id}"
    require_store(origin, what)
    payment = db.scalar(select(Payment).where(Payment.stripe_checkout_session_id == session_id))
    if payment is None or payment.booking_id is None:
        raise Refused(f"{what} was not opened by this app")
    require_same_store(origin, payment.store_id, what)
    return payment


def _check_amount(payment: Payment, minor: Any, currency: Any, what: str) -> None:
    asked = to_minor(payment.amount, payment.currency)
    if str(currency or "").lower() != payment.currency.lower() or int_or_none(minor) != asked:
        raise Refused(f"{what} is for {minor} {str(currency or '').upper()} (minor units); "
                      f"the app asked for {asked} {payment.currency.upper()}")


# --- booking payments ---------------------------------------------------------------------------


def on_checkout_completed(db, ctx, obj, event, created, origin: Origin) -> None:
    from hub_app.domain.billing.subscription_events import link_subscription_checkout

    if obj.get("mode") == "subscription":
        link_subscription_checkout(db, ctx, obj, origin)
        return
    payment = _opened_checkout(db, origin, obj["id"])
    _check_amount(payment, obj.get("amount_total"), obj.get("currency"), f"checkout session {obj['id']}")
    if obj.get("payment_status") != "paid":
        return  # unpaid (a delayed method): async_payment_succeeded settles it later
    service.record_booking_payment(db, ctx, payment, payment_intent_id=object_id(obj.get("payment_intent")))


def on_checkout_expired(db, ctx, obj, event, created, origin: Origin) -> None:
    if obj.get("mode") == "subscription":
        return  # an unpaid subscription checkout: its row simply stays incomplete
    payment = _opened_checkout(db, origin, obj["id"])
    if payment.status != PaymentRecordStatus.PENDING:
        return  # already settled, replaced by a newer session, or released
    service.release_unpaid_booking(db, ctx, payment.booking_id, reason="checkout expired",
                                   checkout_session_id=obj["id"])


def on_payment_intent_succeeded(db, ctx, obj, event, created, origin: Origin) -> None:
    if origin.is_platform:
        return  # a store plan invoice's payment intent: invoice.paid records it
    what = f"payment intent {obj['id']}"
    store_id = require_store(origin, what)
    payment = db.scalar(select(Payment).where(Payment.stripe_payment_intent_id == obj["id"]))
    if payment is None:
        booking_id = (obj.get("metadata") or {}).get("booking_id")
        if booking_id is None:
            return  # a recurring service invoice's payment intent: invoice.paid records it
        waiting = _awaits_checkout(db, store_id, booking_id)
        if waiting is not None:
            _check_amount(waiting, obj.get("amount_received") or obj.get("amount"), obj.get("currency"), what)
            # Stripe does not order events: the session's completion (which names this intent)
            # may still be on its way. Until then the intent cannot be matched.
            raise NotReadyYet(f"{what} is not linked to a checkout yet")
        raise Refused(f"{what} does not belong to a checkout this app opened")
    require_same_store(origin, payment.store_id, what)
    _check_amount(payment, obj.get("amount_received") or obj.get("amount"), obj.get("currency"), what)
    service.record_booking_payment(db, ctx, payment, payment_intent_id=obj["id"],
                                   charge_id=object_id(obj.get("latest_charge")))


def _awaits_checkout(db: Session, store_id: int, booking_id: Any) -> Payment | None:
    """This store's booking's newest checkout the app opened that is still unpaid, if any."""
    booking = db.get(Booking, int_or_none(booking_id) or 0)
    if booking is None or booking.store_id != store_id:
        return None
    return db.scalars(select(Payment).where(
        Payment.booking_id == booking.id, Payment.status == PaymentRecordStatus.PENDING,
        Payment.stripe_checkout_session_id.is_not(None)).order_by(Payment.id.desc()).limit(1)).first()


def on_payment_intent_failed(db, ctx, obj, event, created, origin: Origin) -> None:
    booking_id = int_or_none((obj.get("metadata") or {}).get("booking_id"))
    if origin.is_platform or booking_id is None:
        return  # an invoice's payment intent: invoice.payment_failed records it
    what = f"failed payment intent {obj['id']}"
    store_id = require_store(origin, what)
    # A failed intent never reached a session's completion, so only its metadata names the booking:
    # act only on a booking of the sending store that is waiting for a checkout the app opened.
    if _awaits_checkout(db, store_id, booking_id) is None:
        raise Refused(f"{what} names booking {booking_id}, which has no open checkout of this store")
    error = (obj.get("last_payment_error") or {}).get("message") or "payment failed"
    service.release_unpaid_booking(db, ctx, booking_id, reason=f"payment failed: {error}")


def on_refund_changed(db, ctx, obj, event, created, origin: Origin) -> None:
    changes = [obj] if obj.get("object") == "refund" else (obj.get("refunds") or {}).get("data") or []
    for refund in changes:   # refund.updated, or each refund of charge.refunded
        row = db.scalar(select(Payment).where(Payment.stripe_refund_id == refund["id"]))
        if row is None:
            continue  # a refund the app did not make (e.g. in the Stripe dashboard): nothing to update
        require_same_store(origin, row.store_id, f"refund {refund['id']}")
        refunds.apply_refund_update(db, ctx, refund_id=refund["id"], status=refund.get("status", ""))
