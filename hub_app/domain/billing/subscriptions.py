"""Subscriptions: store plans (flow A, on the platform) and clients' recurring services (flow B).

- Plans and recurring services are Stripe Products with a recurring Price. Prices are immutable
  on Stripe, so a changed amount, currency or interval creates a new Price and archives the old.
- Checkout in subscription mode starts a subscription. A local row (INCOMPLETE) is made first and
  its id travels in the subscription's metadata, so every later event finds its row.
- Rows are kept true by the webhook events (billing.subscription_events), which act only on rows
  made here: a subscription the app did not start is refused whatever its metadata says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.limits import mark_past_due_moments
from hub_app.domain.billing.gateway import GatewayError, PaymentsGateway, SubscriptionCheckoutRequest
from hub_app.domain.billing.models import (
    PlanInterval, ServiceSubscription, Subscription, SubscriptionPlan, SubscriptionStatus,
)
from hub_app.domain.billing.money import stripe_currency, to_minor
from hub_app.domain.billing.gateway_factory import gateway_failure, require_gateway
from hub_app.domain.billing.readiness import payments_available
from hub_app.domain.billing.settlement import is_manager
from hub_app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t
from hub_app.settings import get_settings

LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
KIND_STORE_PLAN = "store_plan"
KIND_SERVICE = "service"


@dataclass(frozen=True)
class PriceSync:
    product_id: str
    price_id: str
    created: bool            # a new Price was made
    archived: str | None     # the old Price that was archived, if any


def sync_price(gateway: PaymentsGateway, *, key: str, name: str, product_id: str | None, price_id: str | None,
               amount_minor: int, currency: str, interval: str, metadata: dict[str, str],
               account_id: str | None = None) -> PriceSync:
    """Make sure a Product and a matching active recurring Price exist; new Price on change."""
    if not product_id:
        product_id = gateway.create_product(name=name, metadata=metadata, account_id=account_id,
                                            idempotency_key=f"{key}-product")
    if price_id:
        current = gateway.retrieve_price(price_id, account_id=account_id)
        if (current.active and current.unit_amount == amount_minor and current.currency == currency
                and current.interval == interval and current.product_id == product_id):
            return PriceSync(product_id, price_id, False, None)
    price = gateway.create_recurring_price(
        product_id=product_id, unit_amount=amount_minor, currency=currency, interval=interval,
        metadata=metadata, account_id=account_id,
        idempotency_key=f"{key}-price-{amount_minor}-{currency}-{interval}")
    archived = None
    if price_id and price_id != price.id:
        gateway.archive_price(price_id, account_id=account_id)
        archived = price_id
    return PriceSync(product_id, price.id, True, archived)


# --- store plans (platform account) -------------------------------------------------------------


def sync_plan(db: Session, ctx: TenantContext, plan: SubscriptionPlan) -> PriceSync | None:
    gateway = require_gateway(ctx.locale)
    try:
        if not plan.is_active:
            if plan.stripe_price_id:
                gateway.archive_price(plan.stripe_price_id)
            return None
        currency = stripe_currency(plan.currency)
        result = sync_price(gateway, key=f"plan-{plan.id}", name=plan.name, product_id=plan.stripe_product_id,
                            price_id=plan.stripe_price_id, amount_minor=to_minor(plan.price_amount, currency),
                            currency=currency, interval=PlanInterval(plan.interval).value,
                            metadata={"plan_id": str(plan.id), "kind": KIND_STORE_PLAN})
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    if result.created:
        before = {"stripe_price_id": plan.stripe_price_id}
        plan.stripe_product_id, plan.stripe_price_id = result.product_id, result.price_id
        audit(db, ctx, entity=plan, action="plan_price_synced", store_id=None, before=before,
              after={"stripe_price_id": result.price_id, "archived": result.archived})
    return result


def sync_plans(db: Session, ctx: TenantContext) -> dict[int, PriceSync | None]:
    """Admin: push every plan to Stripe (run after editing plans)."""
    require(ctx, Feature.SET_PLANS)
    # The free plan is never sold, so it has no Stripe price.
    return {plan.id: sync_plan(db, ctx, plan) for plan in db.scalars(
        select(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(False)).order_by(SubscriptionPlan.id))}


def start_plan_checkout(db: Session, ctx: TenantContext, plan_id: int, *, success_url: str | None = None,
                        cancel_url: str | None = None) -> str:
    """Manager: subscribe (or switch) the store to a plan through Checkout; returns its URL."""
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    store = db.get(Store, ctx.store_id) if ctx.store_id else None
    plan = db.get(SubscriptionPlan, plan_id)
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    if plan is None or not plan.is_active:
        raise NotFound(t("payments.plan_not_found", ctx.locale))
    if plan.is_free:
        raise Conflict(t("payments.free_plan_not_sold", ctx.locale))
    gateway = require_gateway(ctx.locale)
    if not plan.stripe_price_id:
        sync_plan(db, ctx, plan)
    row = db.scalar(select(Subscription).where(
        Subscription.plan_id == plan.id, Subscription.status == SubscriptionStatus.INCOMPLETE,
        Subscription.stripe_subscription_id.is_(None)).order_by(Subscription.id.desc()))
    try:
        customer = _store_customer(db, gateway, store)
        if row is None:
            row = Subscription(store_id=store.id, plan_id=plan.id, start_date=utcnow(),
                               status=SubscriptionStatus.INCOMPLETE, stripe_customer_id=customer)
            db.add(row)
            db.flush()
        base = get_settings().public_base_url.rstrip("/")
        session = gateway.create_subscription_checkout(SubscriptionCheckoutRequest(
            price_id=plan.stripe_price_id, customer_id=customer,
            metadata={"kind": KIND_STORE_PLAN, "store_id": str(store.id), "plan_id": str(plan.id),
                      "subscription_row_id": str(row.id)},
            success_url=success_url or f"{base}/manage/subscription?checkout=success",
            cancel_url=cancel_url or f"{base}/manage/subscription?checkout=cancelled",
            client_reference_id=f"store-{store.id}",
            idempotency_key=f"store-{store.id}-plan-checkout-{row.id}-{plan.stripe_price_id}"))
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    audit(db, ctx, entity=row, action="plan_checkout_opened", after={"plan_id": plan.id, "session": session.id})
    return session.url or ""


def _store_customer(db: Session, gateway: PaymentsGateway, store: Store) -> str:
    """The store's Customer on the platform (kept on its subscription rows)."""
    known = db.scalar(select(Subscription.stripe_customer_id).where(
        Subscription.store_id == store.id, Subscription.stripe_customer_id.is_not(None)
    ).order_by(Subscription.id.desc()).limit(1))
    if known:
        return known
    manager = db.get(AppUser, store.manager_user_id) if store.manager_user_id else None
    return gateway.create_customer(email=store.email or (manager.email if manager else None), name=store.name,
                                   metadata={"store_id": str(store.id)}, idempotency_key=f"store-{store.id}-customer")


def refresh_store_plan(db: Session, store_id: int) -> None:
    """The store's current plan is the newest live subscription's plan (or none)."""
    store = db.get(Store, store_id)
    live = db.scalar(select(Subscription).where(Subscription.store_id == store_id, Subscription.status.in_(LIVE))
                     .order_by(Subscription.start_date.desc(), Subscription.id.desc()).limit(1))
    store.current_subscription_plan_id = live.plan_id if live is not None else None
    mark_past_due_moments(db, store_id)


def store_subscriptions(db: Session, ctx: TenantContext) -> list[Subscription]:
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    return list(db.scalars(select(Subscription).where(Subscription.status != SubscriptionStatus.INCOMPLETE)
                           .order_by(Subscription.start_date.desc())))


# --- recurring services (store's connected account) ---------------------------------------------


def sync_service_price(db: Session, ctx: TenantContext, service: Service) -> PriceSync:
    store = db.get(Store, service.store_id)
    if not service.is_recurring or service.recurring_interval is None:
        raise ValidationFailed(t("payments.service_not_recurring", ctx.locale))
    ok, reason = payments_available(store, ctx.locale)
    if not ok:
        raise Conflict(reason)
    currency = stripe_currency(store.currency)
    try:
        result = sync_price(require_gateway(ctx.locale), key=f"service-{service.id}", name=service.name,
                            product_id=service.stripe_product_id, price_id=service.stripe_price_id,
                            amount_minor=to_minor(service.base_price_amount, currency), currency=currency,
                            interval=service.recurring_interval.value, account_id=store.stripe_account_id,
                            metadata={"service_id": str(service.id), "store_id": str(store.id)})
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    service.stripe_product_id, service.stripe_price_id = result.product_id, result.price_id
    return result


def subscribe_to_service(db: Session, ctx: TenantContext, service_id: int, *, success_url: str | None = None,
                         cancel_url: str | None = None,
                         booking_id: int | None = None) -> tuple[ServiceSubscription, str]:
    """Client: start a recurring service through Checkout on the store's account.

    From the booking wizard the first booking comes along (`booking_id`): it is the client's own
    booking of this service, and the subscription, not a one-off charge, pays for it.
    """
    require(ctx, Feature.BOOK_APPOINTMENTS)
    service = db.get(Service, service_id)
    if service is None or service.is_archived or service.store_id != ctx.store_id:
        raise NotFound(t("service.not_found", ctx.locale))
    if booking_id is not None:
        booking = db.get(Booking, booking_id)
        if booking is None or booking.client_user_id != ctx.user_id or booking.store_id != service.store_id:
            raise NotFound(t("booking.not_found", ctx.locale))
        if booking.service_id != service.id:
            raise ValidationFailed(t("payments.subscription_wrong_service", ctx.locale))
    sync = sync_service_price(db, ctx, service)
    store = db.get(Store, service.store_id)
    client = db.get(AppUser, ctx.user_id)
    row = db.scalar(select(ServiceSubscription).where(
        ServiceSubscription.client_user_id == ctx.user_id, ServiceSubscription.service_id == service.id,
        ServiceSubscription.status == SubscriptionStatus.INCOMPLETE,
        ServiceSubscription.stripe_subscription_id.is_(None)).order_by(ServiceSubscription.id.desc()))
    if row is None:
        row = ServiceSubscription(store_id=store.id, client_user_id=ctx.user_id, service_id=service.id,
                                  interval=service.recurring_interval, status=SubscriptionStatus.INCOMPLETE)
        db.add(row)
    if booking_id is not None:
        row.booking_id = booking_id
    db.flush()
    base = f"{get_settings().public_base_url.rstrip('/')}/{store.slug}"
    try:
        session = require_gateway(ctx.locale).create_subscription_checkout(SubscriptionCheckoutRequest(
            price_id=sync.price_id, account_id=store.stripe_account_id, customer_email=client.email,
            metadata={"kind": KIND_SERVICE, "store_id": str(store.id), "service_id": str(service.id),
                      "client_user_id": str(ctx.user_id), "service_subscription_id": str(row.id)},
            success_url=success_url or f"{base}?subscription=success",
            cancel_url=cancel_url or f"{base}?subscription=cancelled",
            client_reference_id=f"service-subscription-{row.id}",
            idempotency_key=f"service-subscription-{row.id}-checkout-{sync.price_id}"))
    except GatewayError as exc:
        raise gateway_failure(exc, ctx.locale) from exc
    audit(db, ctx, entity=row, action="service_checkout_opened",
          after={"session": session.id, "booking_id": booking_id})
    return row, session.url or ""


def cancel_service_subscription(db: Session, ctx: TenantContext, subscription_id: int) -> ServiceSubscription:
    """Client or manager: no further renewals. The period already paid for is kept: Stripe is told
    to cancel at its end (and then sends customer.subscription.deleted, which ends the row)."""
    row = db.get(ServiceSubscription, subscription_id)
    if row is None:
        raise NotFound(t("payments.subscription_not_found", ctx.locale))
    if not (ctx.bypass or row.client_user_id == ctx.user_id or (is_manager(ctx) and row.store_id == ctx.store_id)):
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    if row.status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED) or row.cancel_at_period_end:
        return row
    before = {"status": row.status.value, "cancel_at_period_end": row.cancel_at_period_end}
    if row.stripe_subscription_id:
        store = db.get(Store, row.store_id)
        try:
            remote = require_gateway(ctx.locale).cancel_subscription_at_period_end(
                row.stripe_subscription_id, account_id=store.stripe_account_id,
                idempotency_key=f"service-subscription-{row.id}-cancel-at-period-end")
            row.cancel_at_period_end = remote.cancel_at_period_end or remote.status == "canceled"
            if remote.status == "canceled":
                row.status = SubscriptionStatus.CANCELLED
        except GatewayError as exc:
            if exc.status not in (400, 404):   # already cancelled on Stripe: nothing to stop
                raise gateway_failure(exc, ctx.locale) from exc
            row.status = SubscriptionStatus.CANCELLED
    else:
        row.status = SubscriptionStatus.CANCELLED   # never started on Stripe: nothing runs there
    audit(db, ctx, entity=row, action="service_subscription_cancelled", before=before,
          after={"status": row.status.value, "cancel_at_period_end": row.cancel_at_period_end})
    return row


def stamp(value: int | None) -> datetime | None:
    from datetime import timezone

    return datetime.fromtimestamp(int(value), tz=timezone.utc) if value else None
