"""A person erases their account (re-authenticated with their password), or an admin does it on
their request.

Order, so that nothing is half done: (1) their live recurring services are cancelled on the
store's Stripe account, each call outside any transaction; if one cannot be cancelled the erasure
is refused with the reason and nothing else changes. (2) One transaction: future bookings are
cancelled under the client's cancellation rules (refund before the store's cutoff, the advance
kept after it), the confirmation email is queued to the address still on the account, and then
every personal detail is replaced (see scrub.py). Bookings and payments stay for the stores'
books, pointing at the anonymised account. Every step is audited without the erased data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, AuthSession, LoginFailure, UserRole
from hub_app.domain.accounts import signin_throttle
from hub_app.domain.accounts.service import verify_password
from hub_app.domain.audit.service import record
from hub_app.domain.billing.gateway import GatewayError
from hub_app.domain.billing.models import Payment, ServiceSubscription, SubscriptionStatus
from hub_app.domain.billing.refunds import cancellation_refund_amount, refund_for_cancellation
from hub_app.domain.billing.gateway_factory import require_gateway
from hub_app.domain.bookings.lifecycle import transition
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.errors import (
    Conflict, NotAuthenticated, NotFound, PermissionDenied, RateLimited, ValidationFailed,
)
from hub_app.domain.notifications.models import Notification
from hub_app.domain.privacy import notices, scrub
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

LIVE_SUBSCRIPTION = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE,
                     SubscriptionStatus.INCOMPLETE)
FUTURE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class FutureBooking:
    booking_id: int
    store: str
    service: str
    start_at: datetime
    timezone: str
    refund: Decimal
    currency: str


@dataclass(frozen=True)
class LiveSubscription:
    subscription_id: int
    store: str
    service: str


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure will do: shown in the confirmation step before anything happens."""

    user_id: int
    stores: tuple[str, ...]
    bookings_kept: int
    payments_kept: int
    future_bookings: tuple[FutureBooking, ...]
    subscriptions: tuple[LiveSubscription, ...]
    email_sent: bool


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    bookings_cancelled: int
    bookings_kept: int
    payments_kept: int
    subscriptions_cancelled: int
    email_queued: bool


def _system(ctx: TenantContext) -> TenantContext:
    # A person's rows are spread over stores: the work spans them once the actor is checked.
    return replace(TenantContext.system(), locale=ctx.locale)


def _target(db: Session, ctx: TenantContext, user_id: int) -> AppUser:
    if ctx.user_id is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    if user_id != ctx.user_id and not ctx.is_admin:
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    user = db.get(AppUser, user_id)
    if user is None or scrub.is_erased_address(user.email):
        raise NotFound(t("user.not_found", ctx.locale))
    if user.role != UserRole.CLIENT:
        raise PermissionDenied(t("privacy.erase_clients_only", ctx.locale))
    return user


def live_subscriptions(db: Session, user_id: int, store_id: int | None = None) -> list[ServiceSubscription]:
    query = select(ServiceSubscription).where(ServiceSubscription.client_user_id == user_id,
                                              ServiceSubscription.status.in_(LIVE_SUBSCRIPTION))
    if store_id is not None:
        query = query.where(ServiceSubscription.store_id == store_id)
    return list(db.scalars(query.order_by(ServiceSubscription.id)))


def future_bookings(db: Session, user_id: int, store_id: int | None = None) -> list[Booking]:
    query = select(Booking).where(Booking.client_user_id == user_id, Booking.status.in_(FUTURE_STATUSES),
                                  Booking.end_at > utcnow())
    if store_id is not None:
        query = query.where(Booking.store_id == store_id)
    return list(db.scalars(query.order_by(Booking.start_at)))


def plan_for(db: Session, user: AppUser, store_id: int | None = None, *, by_store: bool = False) -> ErasurePlan:
    in_store = (lambda col: col == store_id) if store_id is not None else (lambda col: col.is_not(None))
    stores = {s.id: s for s in db.scalars(select(Store).where(Store.id.in_(
        select(Booking.store_id).where(Booking.client_user_id == user.id, in_store(Booking.store_id)))))}
    services: dict[int, Service] = {}

    def service_name(service_id: int) -> str:
        if service_id not in services:
            services[service_id] = db.get(Service, service_id)
        return services[service_id].name if services[service_id] else ""

    future = []
    for booking in future_bookings(db, user.id, store_id):
        store = stores.get(booking.store_id) or db.get(Store, booking.store_id)
        refund = cancellation_refund_amount(booking, store, by_store=by_store)
        future.append(FutureBooking(booking.id, store.name, service_name(booking.service_id), booking.start_at,
                                    store.timezone, refund, booking.currency))
    subscriptions = []
    for row in live_subscriptions(db, user.id, store_id):
        store = db.get(Store, row.store_id)
        subscriptions.append(LiveSubscription(row.id, store.name, service_name(row.service_id)))
    bookings_kept = db.scalar(select(func.count(Booking.id)).where(
        Booking.client_user_id == user.id, in_store(Booking.store_id))) or 0
    payments_kept = db.scalar(select(func.count(Payment.id)).where(
        Payment.user_id == user.id, in_store(Payment.store_id))) or 0
    email = store_id is not None or notices.sending_store_id(db, user) is not None
    return ErasurePlan(user.id, tuple(sorted(s.name for s in stores.values())), bookings_kept, payments_kept,
                       tuple(future), tuple(subscriptions), email)


def erasure_plan(ctx: TenantContext, user_id: int) -> ErasurePlan:
    """What erasing this account will do (the confirmation step)."""
    with hub_db.unit_of_work(_system(ctx)) as db:
        return plan_for(db, _target(db, ctx, user_id))


def cancel_subscriptions_first(ctx: TenantContext, user_id: int, store_id: int | None = None,
                               work_ctx: TenantContext | None = None) -> int:
    """Stop every live recurring service on Stripe at once (no further charge), each call with no
    transaction open; Conflict naming the service when Stripe refuses, before anything else changes."""
    work_ctx = work_ctx or _system(ctx)
    with hub_db.unit_of_work(work_ctx) as db:
        rows = [(row.id, row.stripe_subscription_id, db.get(Store, row.store_id), db.get(Service, row.service_id))
                for row in live_subscriptions(db, user_id, store_id)]
    for subscription_id, stripe_id, store, service in rows:
        if stripe_id:
            try:
                require_gateway(ctx.locale).cancel_subscription(
                    stripe_id, account_id=store.stripe_account_id,
                    idempotency_key=f"service-subscription-{subscription_id}-erasure")
            except GatewayError as exc:
                if exc.status not in (400, 404):   # 400/404: already cancelled or gone on Stripe
                    raise Conflict(t("privacy.erase_subscription_failed", ctx.locale, service=service.name,
                                     store=store.name, detail=str(exc))) from exc
            except Conflict as exc:   # payments are not configured: the subscription cannot be stopped
                raise Conflict(t("privacy.erase_subscription_failed", ctx.locale, service=service.name,
                                 store=store.name, detail=exc.message)) from exc
        with hub_db.unit_of_work(work_ctx) as db:
            row = db.get(ServiceSubscription, subscription_id)
            before = {"status": row.status.value}
            row.status = SubscriptionStatus.CANCELLED
            row.cancel_at_period_end = False
            record(db, ctx, entity=row, action="service_subscription_cancelled", before=before,
                   after={"status": row.status.value, "reason": "personal_data_erasure"}, store_id=row.store_id)
    return len(rows)


def cancel_future_bookings(db: Session, ctx: TenantContext, bookings: list[Booking], *, by_store: bool) -> int:
    """Cancel under the cancellation policy (the client's, or the store's when it acts)."""
    for booking in bookings:
        transition(db, ctx, booking, BookingStatus.CANCELLED, t("privacy.cancel_reason", ctx.locale))
        refund_for_cancellation(db, ctx, booking.id, by_store=by_store, cancelled_at=booking.cancelled_at)
    return len(bookings)


def erase_account(ctx: TenantContext, user_id: int, *, password: str | None, confirmed: bool) -> ErasureResult:
    """Erase a client's account everywhere. The person confirms with their password; an admin
    (acting on the person's request) does not need it."""
    errors: dict[str, str] = {}
    with hub_db.unit_of_work(_system(ctx)) as db:
        user = _target(db, ctx, user_id)
        if not confirmed:
            errors["confirm"] = t("privacy.erase_confirm_required", ctx.locale)
        if user.id == ctx.user_id:
            # A guessed password costs here what it costs at sign-in (a stolen session is not enough).
            wait = signin_throttle.wait_before_attempt(db, user.email, None, known=True)
            if wait:
                raise RateLimited(t("auth.signin_slowed", ctx.locale, seconds=wait), retry_after=wait)
            if not verify_password(user.password_hash, password or ""):
                errors["password"] = t("auth.wrong_current_password", ctx.locale)
                signin_throttle.record_failure(db, user.email, None)
        if not errors:
            record(db, ctx, entity=user, action="personal_data_erasure_started", store_id=None,
                   after={"by": "self" if user.id == ctx.user_id else "admin"})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    try:
        cancelled_subscriptions = cancel_subscriptions_first(ctx, user_id)
    except Conflict:
        with hub_db.unit_of_work(_system(ctx)) as db:
            record(db, ctx, entity=db.get(AppUser, user_id), action="personal_data_erasure_refused", store_id=None,
                   after={"reason": "subscription_not_cancelled"})
        raise
    with hub_db.unit_of_work(_system(ctx)) as db:
        user = db.get(AppUser, user_id)
        values = scrub.PersonalValues.of_user(user)
        old_email, store_ids = user.email, set(db.scalars(select(Booking.store_id).where(
            Booking.client_user_id == user.id)))
        cancelled = cancel_future_bookings(db, ctx, future_bookings(db, user.id), by_store=False)
        for row in live_subscriptions(db, user.id):   # never on Stripe: nothing runs there
            row.status = SubscriptionStatus.CANCELLED
        bookings = list(db.scalars(select(Booking).where(Booking.client_user_id == user.id)))
        payments = list(db.scalars(select(Payment).where(Payment.user_id == user.id)))
        links = list(db.scalars(select(StoreClient).where(
            or_(StoreClient.user_id == user.id, StoreClient.email == old_email))))
        db.flush()
        scrub.redact_bookings(db, values, bookings)
        scrub.redact_payments(values, payments)
        scrub.silence_notifications(values, list(db.scalars(select(Notification).where(
            Notification.recipient_user_id == user.id))))
        scrub.redact_audit(db, values, user.id, [b.id for b in bookings], [s.id for s in links])
        scrub.redact_deliveries(db, values, old_email)
        _forget_links(db, links)
        db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
        db.execute(delete(LoginFailure).where(LoginFailure.email == old_email))
        # The confirmation goes to the address being erased: written now, while it is known.
        sender = notices.sending_store_id(db, user)
        notice = None
        if sender is not None:
            notice = notices.queue_erasure_notice(
                db, store_id=sender, recipient_id=user.id, address=old_email, locale=user.locale,
                text_key="privacy.erased_email", cancelled=cancelled, kept=len(bookings))
        scrub.anonymise_account(user, user.id)
        result = ErasureResult(user.id, cancelled, len(bookings), len(payments), cancelled_subscriptions,
                               notice is not None)
        summary = {"bookings_cancelled": cancelled, "bookings_kept": len(bookings),
                   "payments_kept": len(payments), "subscriptions_cancelled": cancelled_subscriptions,
                   "by": "self" if user.id == ctx.user_id else "admin"}
        record(db, ctx, entity=user, action="personal_data_erased", store_id=None, after=summary)
        for store_id in sorted(store_ids):   # each store's log says a client left, not who
            record(db, ctx, entity=user, action="personal_data_erased", store_id=store_id,
                   after={"bookings_kept": sum(1 for b in bookings if b.store_id == store_id)})
    return result


def _forget_links(db: Session, links: list[StoreClient]) -> None:
    """Invitations and consent links go; an unclaimed Calendly record that holds bookings stays
    as an anonymous record of its store (its placeholder account is anonymised too)."""
    for link in links:
        if link.status == StoreClientStatus.UNCLAIMED and link.user_id is not None:
            placeholder = db.get(AppUser, link.user_id)
            if placeholder is not None and placeholder.role == UserRole.CLIENT:
                scrub.anonymise_account(placeholder, f"record-{link.id}")
            link.email = scrub.erased_address(f"record-{link.id}")
            link.first_name = link.last_name = ""
            link.phone_number = None
            link.invite_token_hash = None
        else:
            db.delete(link)
