"""Stripe work in the background: apply inbox events, release expired payment holds, bill SMS overage.

Actors take ids and are idempotent (an inbox row is applied once; a redelivered message finds it
processed). Each attempt is counted in the inbox row before it starts (so a crash counts too); a
failed attempt is rolled back, then its error written to the inbox row and retried by Dramatiq
with exponential backoff, up to the inbox's attempt limit for Stripe.
Rows whose message was lost are sent again by the inbox sweep (workers/inbox_sweep.py), shared
with Calendly.
"""

from __future__ import annotations

from workers.broker import broker  # noqa: F401  (sets the global broker before any actor)
from workers.ticker import PeriodicTicker, install

import logging

import dramatiq

from hub_app import db as hub_db
from hub_app.domain.billing import events, service, sms_overage
from hub_app.domain.integrations import inbox
from hub_app.domain.tenancy import TenantContext

logger = logging.getLogger(__name__)
QUEUE = "stripe"
TICK_SECONDS = 60


@dramatiq.actor(queue_name=QUEUE, max_retries=inbox.max_attempts(events.PROVIDER) - 1, min_backoff=1_000,
                max_backoff=15 * 60_000)
def process_stripe_event(inbox_id: int) -> None:
    ctx = TenantContext.system()
    # Counted and committed before the work: a worker that dies while applying still used it.
    with hub_db.unit_of_work(ctx) as db:
        if inbox.claim_attempt(db, inbox_id) is None:
            return
    try:
        with hub_db.unit_of_work(ctx) as db:
            events.process_inbox_event(db, ctx, inbox_id)
    except Exception as exc:
        with hub_db.unit_of_work(ctx) as db:
            inbox.fail(db, inbox_id, f"{type(exc).__name__}: {exc}")
        raise


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=5_000)
def expire_payment_holds() -> None:
    """Run every minute: pending bookings past their hold are released (and their sessions closed)."""
    ctx = TenantContext.system()
    with hub_db.unit_of_work(ctx) as db:
        service.expire_payment_holds(db, ctx)


@dramatiq.actor(queue_name=QUEUE, max_retries=3, min_backoff=5_000)
def invoice_sms_overage() -> None:
    """Run every tick: the SMS overage of ended periods goes onto the stores' next plan invoice."""
    ctx = TenantContext.system()
    with hub_db.unit_of_work(ctx) as db:
        sms_overage.invoice_ended_periods(db, ctx)


class StripeTicker(PeriodicTicker):
    """While a worker runs, enqueue the hold expiry every TICK_SECONDS."""

    name = "stripe-ticker"

    def __init__(self, interval: float = TICK_SECONDS):
        super().__init__(interval)

    def tick(self) -> None:
        expire_payment_holds.send()
        invoice_sms_overage.send()


install(broker, StripeTicker())
