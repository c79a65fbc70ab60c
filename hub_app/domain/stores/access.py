"""Which store a dashboard opens (the store-local calendar arithmetic is in `local_time`).

A manager always works in their own store (TenantContext.for_user pins it); an admin picks a
store by its slug. Everything after that runs in a context whose `store_id` is that store, so
the tenant scoping of the sessions keeps every other store's rows invisible.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.errors import NotFound, PermissionDenied
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store, StoreSlugRedirect
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


@dataclass(frozen=True)
class StoreChoice:
    id: int
    name: str
    slug: str
    is_active: bool


def dashboard_store(db: Session, ctx: TenantContext) -> Store:
    """The store the context works in, if this actor may run its dashboard."""
    require(ctx, Feature.VIEW_BOOKINGS)
    store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def store_for_dashboard(db: Session, ctx: TenantContext, slug: str | None) -> Store | None:
    """The store to open: a manager's own (any slug asked for is ignored), or the admin's pick.

    Returns None for an admin who has not picked a store yet. Clients and anonymous visitors
    are refused.
    """
    if ctx.role == UserRole.STORE_MANAGER:
        return dashboard_store(db, ctx)
    if ctx.role != UserRole.ADMIN:
        if ctx.role is None:
            require(ctx, Feature.VIEW_BOOKINGS)  # raises NotAuthenticated
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    slug = (slug or "").strip().lower()
    if not slug:
        return None
    store = db.scalar(select(Store).where(Store.slug == slug))
    if store is None:
        redirect = db.scalar(select(StoreSlugRedirect).where(StoreSlugRedirect.old_slug == slug))
        store = db.get(Store, redirect.store_id) if redirect else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def stores_for_admin(db: Session, ctx: TenantContext) -> list[StoreChoice]:
    """Every store, for the admin's store picker."""
    require(ctx, Feature.MANAGE_STORES)
    rows = db.scalars(select(Store).order_by(Store.name, Store.id))
    return [StoreChoice(s.id, s.name, s.slug, s.is_active) for s in rows]


# --- store-local time ----------------------------------------------------------------------
