"""The admin's replay of a webhook inbox event: back to "received", processed again."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record
from hub_app.domain.errors import NotFound
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


def reset_webhook_event(db: Session, ctx: TenantContext, event_id: int) -> WebhookEvent:
    """Put an inbox event back to "received" so it is processed again (by a worker or the sweeper)."""
    require(ctx, Feature.FULL_DATA_ACCESS)
    event = db.get(WebhookEvent, event_id)
    if event is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    before = {"status": event.status.value, "attempts": event.attempts, "last_error": event.last_error}
    event.status = InboxStatus.RECEIVED
    event.processed_at = None
    event.last_error = None
    db.flush()
    record(db, ctx, entity=event, action="replay", before=before, after={"status": event.status.value},
           store_id=event.store_id)
    return event
