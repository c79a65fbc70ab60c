"""Subscription and invoice events: store plans (platform) and clients' recurring services (Connect).

A subscription event is applied only to a row the app made when it started that subscription
(`subscriptions.start_plan_checkout` / `subscribe_to_service`): found by the Stripe id already
linked to it, or by the row id the app put in the subscription's metadata. A subscription the app
did not start is refused, whatever its metadata says about stores and plans. Store plans are
accepted only from the platform account; a recurring service only from the connected account of
the store it belongs to. Events are idempotent and may arrive in any order: a row remembers the
`created` of the newest event applied (`last_event_at`) and ignores older ones.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.event_origin import (
    NotReadyYet, Origin, Refused, int_or_none, object_id, require_same_store,
)
from hub_app.domain.billing.gateway import GatewayError
from hub_app.domain.billing.gateway_factory import get_gateway
from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, ServiceSubscription, Subscription, SubscriptionPlan,
    SubscriptionStatus,
)
from hub_app.domain.billing.money import from_minor
from hub_app.domain.billing.subscriptions import LIVE, refresh_store_plan, stamp
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)

STATUS_MAP = {
    "incomplete": SubscriptionStatus.INCOMPLETE, "incomplete_expired": SubscriptionStatus.ENDED,
    "trialing": SubscriptionStatus.TRIALING, "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE, "unpaid": SubscriptionStatus.PAST_DUE,
    "paused": SubscriptionStatus.PAST_DUE, "canceled": SubscriptionStatus.CANCELLED,
}
FINAL = (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)


# --- subscriptions ------------------------------------------------------------------------------


def _price_id(sub: dict) -> str | None:
    items = (sub.get("items") or {}).get("data") or []
    return object_id(items[0].get("price")) if items else None


def _period_end(sub: dict) -> datetime | None:
    # basil+: the period lives on each subscription item.
    items = (sub.get("items") or {}).get("data") or []
    ends = [i.get("current_period_end") for i in items if i.get("current_period_end")]
    return stamp(max(ends)) if ends else None


def find_started_row(db: Session, origin: Origin, subscription_id: str,
                     meta: dict) -> Subscription | ServiceSubscription | None:
    """The row the app made when it started this subscription, or None if it did not start it.

    Platform events look only at store plans, Connect events only at recurring services, and a
    recurring service must belong to the store whose account sent the event (else Refused).
    """
    if origin.is_platform:
        model, key = Subscription, "subscription_row_id"
    else:
        model, key = ServiceSubscription, "service_subscription_id"
    row = db.scalar(select(model).where(model.stripe_subscription_id == subscription_id))
    if row is None and int_or_none(meta.get(key)):
        row = db.get(model, int(meta[key]))
        if row is not None and row.stripe_subscription_id not in (None, subscription_id):
            row = None   # that row is linked to another subscription already
    if row is not None and not origin.is_platform:
        require_same_store(origin, row.store_id, f"subscription {subscription_id}")
    return row


def _started_row(db: Session, origin: Origin, subscription_id: str, meta: dict):
    row = find_started_row(db, origin, subscription_id, meta)
    if row is None:
        raise Refused(f"subscription {subscription_id} was not started by this app "
                      f"({'platform' if origin.is_platform else origin.account})")
    return row


def _is_stale(row, created: datetime, event_type: str) -> bool:
    if row.last_event_at is None:
        return False
    if created < row.last_event_at:
        return True
    # Same second: a `created` event never overrides what a later kind of event already said.
    return created == row.last_event_at and event_type.endswith(".created")


def apply_subscription(db: Session, ctx: TenantContext, sub: dict, event_type: str, created: datetime,
                       origin: Origin):
    row = _started_row(db, origin, sub["id"], sub.get("metadata") or {})
    if row.stripe_subscription_id is None:
        row.stripe_subscription_id = sub["id"]
    if _is_stale(row, created, event_type) or (row.status in FINAL and row.last_event_at is not None
                                                and event_type != "customer.subscription.deleted"):
        return row
    before = row.status
    row.status = SubscriptionStatus.CANCELLED if event_type.endswith(".deleted") else STATUS_MAP.get(
        sub.get("status", ""), row.status)
    row.current_period_end = _period_end(sub) or row.current_period_end
    row.last_event_at = created
    row.cancel_at_period_end = bool(sub.get("cancel_at_period_end"))
    if isinstance(row, Subscription):
        row.stripe_customer_id = object_id(sub.get("customer")) or row.stripe_customer_id
        row.start_date = stamp(sub.get("created")) or row.start_date
        plan = db.scalar(select(SubscriptionPlan).where(SubscriptionPlan.stripe_price_id == _price_id(sub))) \
            if _price_id(sub) else None
        if plan is not None:
            row.plan_id = plan.id
        if row.status in FINAL:
            row.end_date = stamp(sub.get("ended_at") or sub.get("canceled_at")) or created
        db.flush()
        if row.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
            _replace_older_plans(db, ctx, row)
        refresh_store_plan(db, row.store_id)
    if before != row.status:
        audit(db, ctx, entity=row, action="subscription_status", before={"status": before.value},
              after={"status": row.status.value, "event": event_type})
    return row


def _replace_older_plans(db: Session, ctx: TenantContext, current: Subscription) -> None:
    """An upgrade or downgrade is a new subscription: end the store's other live ones."""
    others = db.scalars(select(Subscription).where(
        Subscription.store_id == current.store_id, Subscription.id != current.id,
        Subscription.status.in_(LIVE), Subscription.start_date <= current.start_date)).all()
    gateway = get_gateway()
    for old in others:
        if old.stripe_subscription_id and gateway is not None:
            try:
                gateway.cancel_subscription(old.stripe_subscription_id,
                                            idempotency_key=f"replace-{old.stripe_subscription_id}")
            except GatewayError as exc:
                if exc.status not in (400, 404):
                    raise
        old.status = SubscriptionStatus.CANCELLED
        old.end_date = utcnow()
        audit(db, ctx, entity=old, action="subscription_replaced", after={"by": current.id})


def on_subscription_event(db, ctx, obj, event, created, origin: Origin) -> None:
    apply_subscription(db, ctx, obj, event["type"], created, origin)


def link_subscription_checkout(db, ctx, session: dict, origin: Origin) -> None:
    sub_id = object_id(session.get("subscription"))
    if not sub_id:
        return
    row = _started_row(db, origin, sub_id, session.get("metadata") or {})
    if row.stripe_subscription_id is None:
        row.stripe_subscription_id = sub_id
    if isinstance(row, Subscription) and not row.stripe_customer_id:
        row.stripe_customer_id = object_id(session.get("customer"))


def on_invoice(db, ctx, obj, event, created, origin: Origin) -> None:
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    sub_id = object_id(details.get("subscription"))
    if parent.get("type") != "subscription_details" or not sub_id:
        return
    row = find_started_row(db, origin, sub_id, details.get("metadata") or {})
    if row is None:
        # Possibly ours but not linked yet (its checkout's completion links it): retried, and
        # given up after the inbox's attempts if no row of ours ever claims it.
        raise NotReadyYet(f"invoice {obj['id']} for unknown subscription {sub_id}")
    row.stripe_subscription_id = row.stripe_subscription_id or sub_id
    db.flush()
    paid = event["type"] == "invoice.paid"
    _record_invoice_payment(db, ctx, row, obj, paid)
    if not _is_stale(row, created, event["type"]) and row.status not in FINAL:
        before = row.status
        row.status = SubscriptionStatus.ACTIVE if paid else SubscriptionStatus.PAST_DUE
        row.last_event_at = created
        lines = (obj.get("lines") or {}).get("data") or []
        ends = [stamp((line.get("period") or {}).get("end")) for line in lines]
        ends = [e for e in ends if e is not None]
        if paid and ends:
            row.current_period_end = max([*ends, *([row.current_period_end] if row.current_period_end else [])])
        if before != row.status:
            audit(db, ctx, entity=row, action="subscription_status", before={"status": before.value},
                  after={"status": row.status.value, "event": event["type"]})
    if isinstance(row, Subscription):
        refresh_store_plan(db, row.store_id)


def _record_invoice_payment(db: Session, ctx: TenantContext, row, invoice: dict, paid: bool) -> None:
    payment = db.scalar(select(Payment).where(Payment.stripe_invoice_id == invoice["id"]))
    if payment is not None and payment.status == PaymentRecordStatus.SUCCEEDED:
        return
    if isinstance(row, Subscription):
        store = db.get(Store, row.store_id)
        payer = store.manager_user_id
        target = {"subscription_id": row.id}
    else:
        payer = row.client_user_id
        target = {"service_subscription_id": row.id}
    if payer is None or db.get(AppUser, payer) is None:
        logger.warning("invoice %s: no payer to record it against", invoice["id"])
        return
    payments = (invoice.get("payments") or {}).get("data") or []
    intent = object_id(((payments[0].get("payment") or {}).get("payment_intent"))) if payments else None
    currency = invoice.get("currency") or "eur"
    minor = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    if payment is None:
        payment = Payment(store_id=row.store_id, user_id=payer, kind=PaymentKind.CHARGE, currency=currency.upper(),
                          stripe_invoice_id=invoice["id"], amount=from_minor(int(minor or 0), currency),
                          status=PaymentRecordStatus.PENDING, payment_date=utcnow(), **target)
        db.add(payment)
    payment.status = PaymentRecordStatus.SUCCEEDED if paid else PaymentRecordStatus.FAILED
    payment.amount = from_minor(int(minor or 0), currency)
    payment.failure_reason = None if paid else "invoice payment failed"
    if intent and not db.scalar(select(Payment.id).where(Payment.stripe_payment_intent_id == intent,
                                                         Payment.id != payment.id)):
        payment.stripe_payment_intent_id = intent
    payment.payment_date = utcnow()
    db.flush()
    audit(db, ctx, entity=payment, action="invoice_paid" if paid else "invoice_payment_failed",
          after={"invoice": invoice["id"], "amount": str(payment.amount)})


