"""Admin writes to what a store offers, through the scheduling rules (plan limits, the Stripe switch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields as dataclass_fields

from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.errors import NotFound
from hub_app.domain.notifications.models import Notification, NotificationStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.platform.rows import check_same_store, save_row
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.scheduling.service import (
    ServiceInput, create_calendar, create_service, service_calendar_ids, validate_service,
)
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

_SERVICE_INPUT_FIELDS = {f.name for f in dataclass_fields(ServiceInput)}


def _store(db: Session, ctx: TenantContext, store_id: int | None) -> Store:
    store = db.get(Store, store_id) if store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


@contextmanager
def acting_in_store(db: Session, ctx: TenantContext, store_id: int) -> Iterator[TenantContext]:
    """Scope the admin's session to one store for a call that counts "this store's" rows.

    Plan limits count services and calendars without naming the store: the session's tenant
    context does that. An admin session sees every store, so it is narrowed for the call.
    """
    store_ctx = ctx.in_store(store_id)
    previous = db.info.get("tenant")
    db.info["tenant"] = store_ctx
    try:
        yield store_ctx
    finally:
        db.info["tenant"] = previous


def _service_input(values: dict) -> ServiceInput:
    data = {k: v for k, v in values.items() if k in _SERVICE_INPUT_FIELDS}
    for name in ("price_type", "advance_payment_type", "recurring_interval"):
        data[name] = getattr(data.get(name), "value", data.get(name))
    return ServiceInput(**data)


def admin_save_service(db: Session, ctx: TenantContext, service_id: int | None, values: dict) -> Service:
    """Create or edit a service with the same checks a manager gets: among them, no payment
    settings unless the store's Stripe switch is on, and the plan's service limit."""
    require(ctx, Feature.MANAGE_SERVICES)
    values = dict(values)
    extra = {k: values.pop(k) for k in ("is_archived",) if k in values}
    if service_id is None:
        store = _store(db, ctx, values.pop("store_id", None))
        with acting_in_store(db, ctx, store.id) as store_ctx:
            service = create_service(db, store_ctx, _service_input(values))
        if extra:
            service = save_row(db, ctx, Service, service.id, extra)
        return service  # create_service audited the creation
    service = db.get(Service, service_id)
    if service is None:
        raise NotFound(t("service.not_found", ctx.locale))
    values.pop("store_id", None)  # a service never moves to another store
    current = {name: getattr(service, name) for name in _SERVICE_INPUT_FIELDS if hasattr(service, name)}
    current["calendar_ids"] = service_calendar_ids(db, service.id)
    merged = {**current, **values}
    store = _store(db, ctx, service.store_id)
    clean = validate_service(_service_input(merged), store, ctx.locale)
    return save_row(db, ctx, Service, service.id, {**clean, **extra})


def admin_create_calendar(db: Session, ctx: TenantContext, values: dict) -> Calendar:
    """A new calendar counts against the store's plan like one a manager adds."""
    require(ctx, Feature.MANAGE_CALENDARS)
    values = dict(values)
    store = _store(db, ctx, values.pop("store_id", None))
    with acting_in_store(db, ctx, store.id) as store_ctx:
        calendar = create_calendar(db, store_ctx, values.pop("name", "") or "", values.pop("color", None))
    rest = {k: v for k, v in values.items() if v is not None}
    if rest:
        calendar = save_row(db, ctx, Calendar, calendar.id, rest)
    check_same_store(db, calendar, ctx.locale)
    record(db, ctx, entity=calendar, action="created", after=snapshot(calendar))
    return calendar


def retry_notification(db: Session, ctx: TenantContext, notification_id: int) -> Notification:
    """Put a failed message back in the outbox for the sender to try again now."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    notification = db.get(Notification, notification_id)
    if notification is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    before = {"status": notification.status.value, "attempts": notification.attempts}
    notification.status = NotificationStatus.PENDING
    notification.next_attempt_at = utcnow()
    notification.last_error = None
    db.flush()
    record(db, ctx, entity=notification, action="retry", before=before, after={"status": "pending"})
    return notification
