"""Applying verified Stripe events from the inbox: idempotent and safe in any order.

`process_inbox_event` is what the worker runs for one inbox row. Every handler may run more than
once for the same event (at-least-once delivery) and events may arrive in any order:
- payments are matched on Stripe ids (session, payment intent, invoice, refund), never added twice;
- a subscription row remembers the `created` of the newest event applied (`last_event_at`): an
  older event is ignored, and at the same second `created` never overrides a later kind;
- an event about a subscription we do not know yet creates its row from the metadata we sent.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing import refunds, service
from hub_app.domain.billing.gateway import ConnectedAccount, GatewayError, get_gateway
from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, ServiceSubscription, Subscription, SubscriptionPlan,
    SubscriptionStatus,
)
from hub_app.domain.billing.money import from_minor
from hub_app.domain.billing.subscriptions import KIND_SERVICE, KIND_STORE_PLAN, LIVE, refresh_store_plan, stamp
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)
PROVIDER = "stripe"

STATUS_MAP = {
    "incomplete": SubscriptionStatus.INCOMPLETE, "incomplete_expired": SubscriptionStatus.ENDED,
    "trialing": SubscriptionStatus.TRIALING, "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE, "unpaid": SubscriptionStatus.PAST_DUE,
    "paused": SubscriptionStatus.PAST_DUE, "canceled": SubscriptionStatus.CANCELLED,
}
FINAL = (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)


class NotReadyYet(Exception):
    """The event refers to something not recorded yet; the worker retries later."""


def record_delivery(db: Session, *, event_id: str, event_type: str, payload: str) -> tuple[int, bool]:
    """Store a verified delivery in the inbox unless it is already there: (inbox id, is_new).

    Same rule as inbox.record_event (unique provider + event id), in one INSERT … ON CONFLICT DO
    NOTHING: the webhook answers with half the database round trips, which is what bounds intake.
    """
    dialect = db.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        row, is_new = inbox.record_event(db, provider=PROVIDER, event_id=event_id, event_type=event_type,
                                         payload=payload)
        return row.id, is_new
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = WebhookEvent.__table__
    statement = insert(table).values(
        provider=PROVIDER, event_id=event_id[:300], event_type=event_type[:100], payload=payload,
        status=InboxStatus.RECEIVED, received_at=utcnow(), attempts=0,
    ).on_conflict_do_nothing(index_elements=["provider", "event_id"]).returning(table.c.id)
    new_id = db.execute(statement).scalar()
    if new_id is not None:
        return new_id, True
    return db.scalar(select(table.c.id).where(table.c.provider == PROVIDER, table.c.event_id == event_id)), False


def process_inbox_event(db: Session, ctx: TenantContext, inbox_id: int) -> bool:
    """Apply one inbox row. False when it was already handled (a redelivered message)."""
    row = inbox.start_processing(db, inbox_id)
    if row is None:
        return False
    event = json.loads(row.payload)
    handled = apply_event(db, ctx, event)
    inbox.finish(row, ignored=not handled)
    return True


def apply_event(db: Session, ctx: TenantContext, event: dict[str, Any]) -> bool:
    """Dispatch on the event type; False for types this app does not act on."""
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return False
    obj = event["data"]["object"]
    created = stamp(event.get("created")) or utcnow()
    handler(db, ctx, obj, event, created)
    return True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else value


# --- Connect ------------------------------------------------------------------------------------


def on_account_updated(db, ctx, obj, event, created) -> None:
    store = db.scalar(select(Store).where(Store.stripe_account_id == obj["id"]))
    if store is None:
        logger.info("account.updated for unknown account %s", obj["id"])
        return
    account = ConnectedAccount(
        id=obj["id"], charges_enabled=bool(obj.get("charges_enabled")),
        payouts_enabled=bool(obj.get("payouts_enabled")), details_submitted=bool(obj.get("details_submitted")),
        currently_due=tuple((obj.get("requirements") or {}).get("currently_due") or ()))
    service.apply_account_state(db, ctx, store, account)


# --- booking payments ---------------------------------------------------------------------------


def on_checkout_completed(db, ctx, obj, event, created) -> None:
    meta = obj.get("metadata") or {}
    if obj.get("mode") == "subscription":
        _link_subscription_checkout(db, ctx, obj, created)
        return
    booking_id = _int(meta.get("booking_id"))
    if booking_id is None or obj.get("payment_status") != "paid":
        return  # unpaid (a delayed method): async_payment_succeeded settles it later
    service.record_booking_payment(
        db, ctx, booking_id, amount_minor=int(obj.get("amount_total") or 0), currency=obj.get("currency") or "eur",
        checkout_session_id=obj["id"], payment_intent_id=_id(obj.get("payment_intent")))


def on_checkout_expired(db, ctx, obj, event, created) -> None:
    booking_id = _int((obj.get("metadata") or {}).get("booking_id"))
    if booking_id is not None:
        service.release_unpaid_booking(db, ctx, booking_id, reason="checkout expired",
                                       checkout_session_id=obj["id"])


def on_payment_intent_succeeded(db, ctx, obj, event, created) -> None:
    booking_id = _int((obj.get("metadata") or {}).get("booking_id"))
    if booking_id is None:
        return  # an invoice's payment intent: invoice.paid records it
    service.record_booking_payment(
        db, ctx, booking_id, amount_minor=int(obj.get("amount_received") or obj.get("amount") or 0),
        currency=obj.get("currency") or "eur", payment_intent_id=obj["id"], charge_id=_id(obj.get("latest_charge")))


def on_payment_intent_failed(db, ctx, obj, event, created) -> None:
    booking_id = _int((obj.get("metadata") or {}).get("booking_id"))
    if booking_id is None:
        return
    error = (obj.get("last_payment_error") or {}).get("message") or "payment failed"
    service.release_unpaid_booking(db, ctx, booking_id, reason=f"payment failed: {error}")


def on_refund_changed(db, ctx, obj, event, created) -> None:
    if obj.get("object") == "refund":
        refunds.apply_refund_update(db, ctx, refund_id=obj["id"], status=obj.get("status", ""))
        return
    for refund in (obj.get("refunds") or {}).get("data") or []:   # charge.refunded
        refunds.apply_refund_update(db, ctx, refund_id=refund["id"], status=refund.get("status", ""))


# --- subscriptions ------------------------------------------------------------------------------


def _price_id(sub: dict) -> str | None:
    items = (sub.get("items") or {}).get("data") or []
    return _id(items[0].get("price")) if items else None


def _period_end(sub: dict) -> datetime | None:
    # basil+: the period lives on each subscription item.
    items = (sub.get("items") or {}).get("data") or []
    ends = [i.get("current_period_end") for i in items if i.get("current_period_end")]
    return stamp(max(ends)) if ends else None


def _find_row(db: Session, subscription_id: str, meta: dict) -> Subscription | ServiceSubscription | None:
    for model in (Subscription, ServiceSubscription):
        row = db.scalar(select(model).where(model.stripe_subscription_id == subscription_id))
        if row is not None:
            return row
    if meta.get("kind") == KIND_STORE_PLAN and _int(meta.get("subscription_row_id")):
        row = db.get(Subscription, int(meta["subscription_row_id"]))
    elif meta.get("kind") == KIND_SERVICE and _int(meta.get("service_subscription_id")):
        row = db.get(ServiceSubscription, int(meta["service_subscription_id"]))
    else:
        return None
    if row is not None and row.stripe_subscription_id not in (None, subscription_id):
        return None
    return row


def _new_row(db: Session, sub: dict, meta: dict) -> Subscription | ServiceSubscription | None:
    """A subscription we never saw start (metadata tells whose it is)."""
    store_id = _int(meta.get("store_id"))
    if store_id is None or db.get(Store, store_id) is None:
        return None
    if meta.get("kind") == KIND_SERVICE:
        service_row = db.get(Service, _int(meta.get("service_id")) or 0)
        client_id = _int(meta.get("client_user_id"))
        if service_row is None or client_id is None or service_row.recurring_interval is None:
            return None
        row = ServiceSubscription(store_id=store_id, client_user_id=client_id, service_id=service_row.id,
                                  interval=service_row.recurring_interval, status=SubscriptionStatus.INCOMPLETE)
    else:
        price = _price_id(sub)
        plan = (db.scalar(select(SubscriptionPlan).where(SubscriptionPlan.stripe_price_id == price)) if price
                else None) or db.get(SubscriptionPlan, _int(meta.get("plan_id")) or 0)
        if plan is None:
            return None
        row = Subscription(store_id=store_id, plan_id=plan.id, start_date=stamp(sub.get("created")) or utcnow(),
                           status=SubscriptionStatus.INCOMPLETE)
    db.add(row)
    return row


def _is_stale(row, created: datetime, event_type: str) -> bool:
    if row.last_event_at is None:
        return False
    if created < row.last_event_at:
        return True
    # Same second: a `created` event never overrides what a later kind of event already said.
    return created == row.last_event_at and event_type.endswith(".created")


def apply_subscription(db: Session, ctx: TenantContext, sub: dict, event_type: str, created: datetime):
    meta = sub.get("metadata") or {}
    row = _find_row(db, sub["id"], meta) or _new_row(db, sub, meta)
    if row is None:
        logger.info("subscription %s belongs to nothing we know", sub["id"])
        return None
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
    if isinstance(row, Subscription):
        row.stripe_customer_id = _id(sub.get("customer")) or row.stripe_customer_id
        row.cancel_at_period_end = bool(sub.get("cancel_at_period_end"))
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


def on_subscription_event(db, ctx, obj, event, created) -> None:
    apply_subscription(db, ctx, obj, event["type"], created)


def _link_subscription_checkout(db, ctx, session: dict, created: datetime) -> None:
    sub_id = _id(session.get("subscription"))
    if not sub_id:
        return
    meta = session.get("metadata") or {}
    row = _find_row(db, sub_id, meta)
    if row is not None and row.stripe_subscription_id is None:
        row.stripe_subscription_id = sub_id
    if isinstance(row, Subscription) and not row.stripe_customer_id:
        row.stripe_customer_id = _id(session.get("customer"))


def on_invoice(db, ctx, obj, event, created) -> None:
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    sub_id = _id(details.get("subscription"))
    if parent.get("type") != "subscription_details" or not sub_id:
        return
    meta = details.get("metadata") or {}
    row = _find_row(db, sub_id, meta) or _new_row(db, {"id": sub_id, "metadata": meta}, meta)
    if row is None:
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
    intent = _id(((payments[0].get("payment") or {}).get("payment_intent"))) if payments else None
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


HANDLERS = {
    "account.updated": on_account_updated,
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.async_payment_succeeded": on_checkout_completed,
    "checkout.session.expired": on_checkout_expired,
    "checkout.session.async_payment_failed": on_checkout_expired,
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "payment_intent.payment_failed": on_payment_intent_failed,
    "refund.updated": on_refund_changed,
    "charge.refunded": on_refund_changed,
    "customer.subscription.created": on_subscription_event,
    "customer.subscription.updated": on_subscription_event,
    "customer.subscription.deleted": on_subscription_event,
    "invoice.paid": on_invoice,
    "invoice.payment_failed": on_invoice,
}
