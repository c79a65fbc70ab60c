"""The delivery log a manager reads: recent deliveries of the store and each one's attempts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.errors import NotFound
from hub_app.domain.outbound_webhooks.models import WebhookAttempt, WebhookDelivery
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


def recent_deliveries(db: Session, ctx: TenantContext, *, endpoint_id: int | None = None,
                      limit: int = 50, offset: int = 0) -> list[WebhookDelivery]:
    require(ctx, Feature.MANAGE_STORE_INFO)
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(min(max(limit, 1), 200)).offset(offset)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(db.scalars(query))


def delivery_attempts(db: Session, ctx: TenantContext, delivery_id: int) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    require(ctx, Feature.MANAGE_STORE_INFO)
    row = db.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(t("webhooks.delivery_not_found", ctx.locale))
    attempts = list(db.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                               .order_by(WebhookAttempt.number, WebhookAttempt.id)))
    return row, attempts
