"""Admin-only store operations: onboard a store with its manager, edit, switch payments, archive,
and delete a store that never took a booking. Every step is audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.administration import send_password_setup, user_history
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.billing.models import Payment, ServiceSubscription, Subscription
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import Conflict, NotFound
from hub_app.domain.notifications.models import Notification
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import ManagerInput, StoreInput, onboard_store, update_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


@dataclass
class OnboardingResult:
    store: Store
    manager: AppUser
    notification: Notification
    setup_link: str


def onboard_store_with_manager(db: Session, ctx: TenantContext, store: StoreInput, manager_email: str,
                               manager_first_name: str = "", manager_last_name: str = "") -> OnboardingResult:
    """Create a store and its manager in one step and queue the manager's "set your password" email.

    The manager gets a long random password nobody knows; the emailed link is how they choose one.
    """
    require(ctx, Feature.MANAGE_STORES)
    unusable_password = secrets.token_urlsafe(32)
    row, user = onboard_store(db, ctx, store, ManagerInput(
        email=manager_email, password=unusable_password,
        first_name=(manager_first_name or "").strip()[:100], last_name=(manager_last_name or "").strip()[:100],
    ))
    record(db, ctx, entity=row, action="onboarded", after=snapshot(row))
    notification, link = send_password_setup(db, ctx, user)
    return OnboardingResult(store=row, manager=user, notification=notification, setup_link=link)


def admin_update_store(db: Session, ctx: TenantContext, store_id: int, changes: dict) -> Store:
    store = db.get(Store, store_id)
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return update_store(db, ctx, store_id, changes)  # audits the change


def set_store_payments(db: Session, ctx: TenantContext, store_id: int, enabled: bool) -> Store:
    """The Stripe switch. Off: managers get no payment settings and clients are never asked to pay."""
    return admin_update_store(db, ctx, store_id, {"stripe_enabled": bool(enabled)})


def archive_store(db: Session, ctx: TenantContext, store_id: int) -> Store:
    """Take a store offline (its page answers "not found"); its bookings and payments stay."""
    return admin_update_store(db, ctx, store_id, {"is_active": False})


def store_history(db: Session, store_id: int) -> dict[str, int]:
    count = lambda model: db.scalar(select(func.count()).select_from(model).where(model.store_id == store_id)) or 0  # noqa: E731
    return {
        "bookings": count(Booking), "payments": count(Payment),
        "subscriptions": count(Subscription) + count(ServiceSubscription),
    }


def delete_store(db: Session, ctx: TenantContext, store_id: int) -> None:
    """Delete a store that never took a booking, with everything it owns (settings and staff).

    A store with bookings, payments or subscriptions is refused: archive it instead.
    """
    require(ctx, Feature.MANAGE_STORES)
    store = db.get(Store, store_id)
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    history = store_history(db, store.id)
    staff = list(db.scalars(select(AppUser).where(AppUser.store_id == store.id)))
    for member in staff:
        for name, value in user_history(db, member.id).items():
            history[name] += value
    if any(history.values()):
        raise Conflict(t("admin.store_has_history", ctx.locale, **history))
    before = snapshot(store)
    from hub_app.domain.models import metadata, tenant_models

    tenant_tables = {model.__table__ for model in tenant_models()}
    store.manager_user_id = None
    db.flush()
    # Children before parents: the reverse of the dependency order of the whole schema.
    for table in reversed(metadata.sorted_tables):
        if table in tenant_tables:
            db.execute(delete(table).where(table.c.store_id == store.id))
    for member in staff:
        db.execute(delete(Notification).where(Notification.recipient_user_id == member.id))
        db.delete(member)
    db.flush()
    db.delete(store)
    db.flush()
    record(db, ctx, entity=store, action="deleted", before=before, store_id=None)
