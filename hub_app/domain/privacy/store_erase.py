"""A store removes a client from its own records, on the client's request.

Only this store's rows change: its bookings, payments, recurring services and messages of the
client move to a new anonymous record of the store (the rows stay for the store's books), their
free text loses the person, the store's links and invitations to the person go, and the client's
future bookings here are cancelled by the store (refunded in full). The person's account, their
sign-in and everything they have with other stores stay as they are: a store can never erase an
account. The client is told by email, from this store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.audit.service import record
from hub_app.domain.billing.models import Payment, ServiceSubscription, SubscriptionStatus
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.membership import is_store_client, record_addresses
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.clients.unclaimed import is_placeholder_address
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.notifications.models import Notification
from hub_app.domain.permissions import Feature, require
from hub_app.domain.privacy import notices, scrub
from hub_app.domain.privacy.erase import (
    ErasurePlan, cancel_future_bookings, cancel_subscriptions_first, future_bookings, live_subscriptions, plan_for,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


@dataclass(frozen=True)
class StoreErasureResult:
    record_id: int            # the anonymous record the store's rows now point at
    bookings_cancelled: int
    bookings_kept: int
    payments_kept: int
    subscriptions_cancelled: int
    email_queued: bool


def store_client(db: Session, ctx: TenantContext, user_id: object) -> AppUser:
    """One of this store's clients, for its staff; NotFound for any other id (ids prove nothing)."""
    require(ctx, Feature.VIEW_CLIENTS)
    missing = NotFound(t("user.not_found", ctx.locale))
    if ctx.store_id is None or not isinstance(user_id, int) or isinstance(user_id, bool):
        raise missing
    user = db.get(AppUser, user_id)
    if user is None or user.role != UserRole.CLIENT or not is_store_client(db, ctx.store_id, user.id):
        raise missing
    return user


def store_erasure_plan(ctx: TenantContext, user_id: int) -> ErasurePlan:
    """What removing the client from this store will do (the confirmation step)."""
    with hub_db.unit_of_work(ctx) as db:
        user = store_client(db, ctx, user_id)
        plan = plan_for(db, user, ctx.store_id, by_store=True)
        address = record_addresses(db, ctx.store_id, [user.id]).get(user.id, user.email)
        return ErasurePlan(plan.user_id, plan.stores, plan.bookings_kept, plan.payments_kept, plan.future_bookings,
                           plan.subscriptions, not is_placeholder_address(address))


def erase_store_client(ctx: TenantContext, user_id: int, *, confirmed: bool) -> StoreErasureResult:
    with hub_db.unit_of_work(ctx) as db:
        store_client(db, ctx, user_id)
        if not confirmed:
            message = t("privacy.erase_confirm_required", ctx.locale)
            raise ValidationFailed(message, fields={"confirm": message})
    # In the store's own context throughout: row-level security keeps every write inside it.
    subscriptions = cancel_subscriptions_first(ctx, user_id, ctx.store_id, work_ctx=ctx)
    with hub_db.unit_of_work(ctx) as db:
        user = store_client(db, ctx, user_id)
        store_id = ctx.store_id
        address = record_addresses(db, store_id, [user.id]).get(user.id, user.email)
        values = scrub.PersonalValues.of_user(user, address)
        cancelled = cancel_future_bookings(db, ctx, future_bookings(db, user.id, store_id), by_store=True)
        for row in live_subscriptions(db, user.id, store_id):   # never on Stripe: nothing runs there
            row.status = SubscriptionStatus.CANCELLED
        anonymous = AppUser(email=scrub.erased_address(secrets.token_hex(12)), password_hash=scrub.NO_PASSWORD,
                            role=UserRole.CLIENT, locale=user.locale, is_active=False)
        db.add(anonymous)
        db.flush()
        bookings = list(db.scalars(select(Booking).where(Booking.store_id == store_id,
                                                         Booking.client_user_id == user.id)))
        payments = list(db.scalars(select(Payment).where(Payment.store_id == store_id, Payment.user_id == user.id)))
        services = list(db.scalars(select(ServiceSubscription).where(
            ServiceSubscription.store_id == store_id, ServiceSubscription.client_user_id == user.id)))
        messages = list(db.scalars(select(Notification).where(Notification.store_id == store_id,
                                                              Notification.recipient_user_id == user.id)))
        links = list(db.scalars(select(StoreClient).where(StoreClient.store_id == store_id, or_(
            StoreClient.user_id == user.id, StoreClient.email.in_({user.email, address})))))
        db.flush()
        scrub.redact_bookings(db, values, bookings)
        scrub.redact_payments(values, payments)
        scrub.silence_notifications(values, messages)
        scrub.redact_audit(db, values, user.id, [b.id for b in bookings], [s.id for s in links], store_id=store_id)
        scrub.redact_deliveries(db, values, address, store_id=store_id)
        for entry in db.scalars(select(AuditEntry).where(AuditEntry.store_id == store_id,
                                                         AuditEntry.entity_type == "app_user",
                                                         AuditEntry.entity_id == user.id)):
            entry.entity_id = anonymous.id   # the store's log keeps its history, not the link
        for booking in bookings:
            booking.client_user_id = anonymous.id
        for payment in payments:
            payment.user_id = anonymous.id
        for service in services:
            service.client_user_id = anonymous.id
        for message in messages:
            message.recipient_user_id = anonymous.id
        for link in links:
            db.delete(link)
        if is_placeholder_address(user.email):   # an unclaimed record's account: this store's alone
            scrub.anonymise_account(user, f"record-{user.id}")
        db.flush()
        notice = None
        if not is_placeholder_address(address):
            notice = notices.queue_erasure_notice(
                db, store_id=store_id, recipient_id=anonymous.id, address=address, locale=user.locale,
                text_key="privacy.store_erased_email", cancelled=cancelled)
        record(db, ctx, entity=anonymous, action="store_client_erased", store_id=store_id,
               after={"bookings_cancelled": cancelled, "bookings_kept": len(bookings), "payments_kept": len(payments),
                      "subscriptions_cancelled": subscriptions})
        return StoreErasureResult(anonymous.id, cancelled, len(bookings), len(payments), subscriptions,
                                  notice is not None)
