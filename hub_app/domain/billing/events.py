"""Applying verified Stripe events from the inbox: checked against their sender, idempotent, any order.

`process_inbox_event` is what the worker runs for one inbox row. Before any handler acts, the
event's origin is established (event_origin: which secret verified it, which connected account
sent it), and each handler refuses what that sender may not do; a refused event is recorded as
such with its reason and never applied. Every handler may run more than once for the same event
(at-least-once delivery) and events may arrive in any order:
- payments are matched on the Stripe ids the app recorded (session, payment intent, invoice,
  refund), never added twice;
- a subscription row remembers the `created` of the newest event applied (`last_event_at`): an
  older event is ignored, and at the same second `created` never overrides a later kind.
Handlers: payment_events.py (the store's account, booking payments, refunds) and
subscription_events.py (store plans, recurring services, invoices).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.billing.event_origin import NotReadyYet, Refused, origin_of
from hub_app.domain.billing.payment_events import (
    on_account_updated, on_checkout_completed, on_checkout_expired, on_payment_intent_failed,
    on_payment_intent_succeeded, on_refund_changed,
)
from hub_app.domain.billing.subscription_events import on_invoice, on_subscription_event
from hub_app.domain.billing.subscriptions import stamp
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import InboxStatus, VerifiedBy, WebhookEvent
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)
PROVIDER = "stripe"

__all__ = ["PROVIDER", "NotReadyYet", "Refused", "record_delivery", "process_inbox_event", "apply_event"]


def record_delivery(db: Session, *, event_id: str, event_type: str, payload: str,
                    verified_by: VerifiedBy) -> tuple[int, bool]:
    """Store a verified delivery in the inbox unless it is already there: (inbox id, is_new).

    `verified_by` is the secret that verified it: what the event may act on depends on it.

    Same rule as inbox.record_event (unique provider + event id), in one INSERT … ON CONFLICT DO
    NOTHING: the webhook answers with half the database round trips, which is what bounds intake.
    """
    dialect = db.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        row, is_new = inbox.record_event(db, provider=PROVIDER, event_id=event_id, event_type=event_type,
                                         payload=payload)
        if is_new:
            row.verified_by = verified_by
        return row.id, is_new
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = WebhookEvent.__table__
    statement = insert(table).values(
        provider=PROVIDER, event_id=event_id[:300], event_type=event_type[:100], payload=payload,
        status=InboxStatus.RECEIVED, received_at=utcnow(), attempts=0, verified_by=verified_by.value,
    ).on_conflict_do_nothing(index_elements=["provider", "event_id"]).returning(table.c.id)
    new_id = db.execute(statement).scalar()
    if new_id is not None:
        return new_id, True
    return db.scalar(select(table.c.id).where(table.c.provider == PROVIDER, table.c.event_id == event_id)), False


def process_inbox_event(db: Session, ctx: TenantContext, inbox_id: int) -> bool:
    """Apply one inbox row (its attempt already counted by inbox.claim_attempt). False when it was
    already handled (a redelivered message)."""
    row = inbox.start_processing(db, inbox_id)
    if row is None:
        return False
    event = json.loads(row.payload)
    try:
        # A savepoint: whatever a handler did before refusing is undone; the refusal is kept.
        with db.begin_nested():
            handled = apply_event(db, ctx, event, row.verified_by)
    except Refused as exc:
        logger.warning("Stripe event %s (%s) refused: %s", row.event_id, row.event_type, exc)
        inbox.refuse(row, str(exc))
        return True
    inbox.finish(row, ignored=not handled)
    return True


def apply_event(db: Session, ctx: TenantContext, event: dict[str, Any], verified_by: VerifiedBy | None) -> bool:
    """Dispatch on the event type; False for types this app does not act on. Raises Refused for
    an event its sender may not send (see event_origin)."""
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return False
    origin = origin_of(db, event, verified_by)
    obj = event["data"]["object"]
    created = stamp(event.get("created")) or utcnow()
    handler(db, ctx, obj, event, created, origin)
    return True


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
