"""What a client (on /account) and a store's manager (on the client's card) see of recurring services.

A client's subscriptions span stores, like their bookings: the stores are found from the client's
own rows (row-level security lets a client read those in every store), then each store's rows are
read in that store's context, where its services and name are readable too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import ServiceSubscription, SubscriptionStatus
from hub_app.domain.billing.readiness import payments_available
from hub_app.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from hub_app.domain.permissions import Feature, allowed, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

# A checkout opened but never paid is not a subscription the client has.
SHOWN = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE,
         SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    store_id: int
    store_name: str
    store_slug: str
    store_timezone: str
    service_name: str
    price: Decimal
    currency: str
    interval: str
    status: SubscriptionStatus
    current_period_end: datetime | None
    cancel_at_period_end: bool

    @property
    def cancellable(self) -> bool:
        """Still renewing: a Cancel button makes sense."""
        return self.status in LIVE and not self.cancel_at_period_end


def subscription_offered(db: Session, service_id: int) -> bool:
    """A booking of this service is paid by subscribing (the wizard offers it): the service recurs
    and its store takes payments online."""
    service = db.get(Service, service_id)
    if service is None or not service.is_recurring or service.recurring_interval is None:
        return False
    return payments_available(db.get(Store, service.store_id))[0]


def awaits_subscription(db: Session, ctx: TenantContext, service_id: int) -> bool:
    """The signed-in client booked a service paid by subscribing and has no live subscription to
    it yet (they left the wizard before Checkout, or booked inside another site's frame, where
    Checkout cannot open): /account offers to subscribe."""
    if ctx.user_id is None or not subscription_offered(db, service_id):
        return False
    return db.scalar(select(ServiceSubscription.id).where(
        ServiceSubscription.client_user_id == ctx.user_id, ServiceSubscription.service_id == service_id,
        ServiceSubscription.status.in_(LIVE)).limit(1)) is None


def _own_client(ctx: TenantContext) -> None:
    if ctx.user_id is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    if not allowed(ctx, Feature.VIEW_OWN_BOOKINGS):
        raise PermissionDenied(t("booking.own_bookings_clients_only", ctx.locale))


def my_subscription_stores(db: Session, ctx: TenantContext) -> list[int]:
    """The stores where the signed-in client has a recurring service (any status but unpaid)."""
    _own_client(ctx)
    return list(db.scalars(select(ServiceSubscription.store_id).where(
        ServiceSubscription.client_user_id == ctx.user_id, ServiceSubscription.status.in_(SHOWN),
    ).distinct().order_by(ServiceSubscription.store_id)))


def my_subscriptions_in_store(db: Session, ctx: TenantContext) -> list[SubscriptionView]:
    """The signed-in client's recurring services in the context's store."""
    _own_client(ctx)
    return _views(db, ctx.store_id, ctx.user_id)


def client_subscriptions(db: Session, ctx: TenantContext, client_user_id: int) -> list[SubscriptionView]:
    """Manager: one client's recurring services in the manager's store (read-only)."""
    require(ctx, Feature.VIEW_CLIENTS)
    if ctx.store_id is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return _views(db, ctx.store_id, client_user_id)


def _views(db: Session, store_id: int | None, client_user_id: int) -> list[SubscriptionView]:
    if store_id is None:
        return []
    found = db.execute(
        select(ServiceSubscription, Service, Store)
        .join(Service, Service.id == ServiceSubscription.service_id)
        .join(Store, Store.id == ServiceSubscription.store_id)
        .where(ServiceSubscription.store_id == store_id, ServiceSubscription.client_user_id == client_user_id,
               ServiceSubscription.status.in_(SHOWN))
        .order_by(ServiceSubscription.id.desc())).all()
    return [SubscriptionView(
        id=row.id, store_id=store.id, store_name=store.name, store_slug=store.slug, store_timezone=store.timezone,
        service_name=service.name,
        price=service.base_price_amount, currency=store.currency, interval=row.interval.value, status=row.status,
        current_period_end=row.current_period_end, cancel_at_period_end=row.cancel_at_period_end,
    ) for row, service, store in found]
