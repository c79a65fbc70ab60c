"""Units of background work, by id: apply one inbox event, sync one store, list stores to sync.

Each opens its own unit of work inside the store it concerns, so an application is one
transaction: it commits whole or leaves nothing behind (and the inbox row says why it failed).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from hub_app import db as hub_db
from hub_app.domain.calendly.apply import apply_inbox_event
from hub_app.domain.calendly.client import CalendlyClient
from hub_app.domain.calendly.reconcile import ReconcileResult, reconcile_store
from hub_app.domain.calendly.service import ClientFactory
from hub_app.domain.errors import DomainError
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import CalendlyConnection, CalendlyConnectionState, WebhookEvent
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow

logger = logging.getLogger(__name__)


def process_inbox_event(inbox_id: int) -> str:
    """Apply a recorded Calendly delivery; a redelivery of a processed one does nothing."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        event = db.get(WebhookEvent, inbox_id)
        if event is None or event.provider != "calendly" or event.store_id is None:
            return "missing"
        store_id = event.store_id
        # Counted and committed before the work: a worker that dies while applying still used it.
        if inbox.claim_attempt(db, inbox_id) is None:
            return "already processed"
    ctx = TenantContext.system(store_id)
    try:
        with hub_db.unit_of_work(ctx) as db:
            event = inbox.start_processing(db, inbox_id)
            if event is None:
                return "already processed"
            return apply_inbox_event(db, ctx, event)
    except DomainError as exc:
        # The data itself is refused (an invitee email that is not an address): a retry would
        # fail the same way, so the delivery stays FAILED in the inbox for an admin to see.
        logger.warning("Calendly inbox event %s refused: %s", inbox_id, exc)
        with hub_db.unit_of_work(TenantContext.system()) as db:
            inbox.fail(db, inbox_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    except Exception as exc:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            inbox.fail(db, inbox_id, f"{type(exc).__name__}: {exc}")
        raise


def reconcile(store_id: int, *, now: datetime | None = None,
              client_factory: ClientFactory = CalendlyClient) -> ReconcileResult:
    ctx = TenantContext.system(store_id)
    with hub_db.unit_of_work(ctx) as db:
        result = reconcile_store(db, ctx, now=now, client_factory=client_factory)
    logger.info("Calendly sync of store %s: %s", store_id, result)
    return result


def connected_store_ids() -> list[int]:
    return stores_due_for_sync(0)


def stores_due_for_sync(min_interval_seconds: float) -> list[int]:
    """Connected stores not synced in the last `min_interval_seconds` (0: every connected store)."""
    recent = utcnow() - timedelta(seconds=min_interval_seconds)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        query = select(CalendlyConnection.store_id).where(
            CalendlyConnection.state == CalendlyConnectionState.CONNECTED)
        if min_interval_seconds > 0:
            query = query.where(or_(CalendlyConnection.last_synced_at.is_(None),
                                    CalendlyConnection.last_synced_at < recent))
        return list(db.scalars(query.order_by(CalendlyConnection.store_id)))
