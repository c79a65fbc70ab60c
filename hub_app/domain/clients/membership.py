"""The rule: staff book, read and message only their own store's clients.

A person is a client of a store when they have (or had) a booking there, or accepted the store's
invitation (an ACTIVE StoreClient). Knowing someone's user id proves nothing: every question
asked with an id that fails the rule gets the same answer as an id that does not exist.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select, union
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

# Statuses whose `user_id` is a client of the store (an unclaimed record's placeholder account
# holds that store's Calendly bookings and nobody else's).
LINKED = (StoreClientStatus.ACTIVE, StoreClientStatus.UNCLAIMED)


def store_client_ids(store_id: int):
    """A selectable of every user id that is a client of `store_id` (explicit store filter, so it
    means the same under any context, admin work included)."""
    return union(
        select(Booking.client_user_id.label("user_id")).where(Booking.store_id == store_id),
        select(StoreClient.user_id.label("user_id")).where(
            StoreClient.store_id == store_id, StoreClient.status.in_(LINKED), StoreClient.user_id.is_not(None)),
    )


def is_store_client(db: Session, store_id: int, user_id: int) -> bool:
    booked = exists().where(Booking.store_id == store_id, Booking.client_user_id == user_id)
    linked = exists().where(StoreClient.store_id == store_id, StoreClient.user_id == user_id,
                            StoreClient.status.in_(LINKED))
    return bool(db.scalar(select(or_(booked, linked))))


def bookable_client(db: Session, ctx: TenantContext, store_id: int, client_user_id: object) -> AppUser:
    """The client staff may book for in this store; otherwise one and the same 422, whether the
    id is unknown, not a client, inactive, or someone who never came to this store."""
    message = t("booking.client_not_of_store", ctx.locale)
    refused = ValidationFailed(message, fields={"client_user_id": message})
    if not isinstance(client_user_id, int) or isinstance(client_user_id, bool):
        raise refused
    client = db.get(AppUser, client_user_id)
    if client is None or client.role != UserRole.CLIENT or not client.is_active:
        raise refused
    if not is_store_client(db, store_id, client.id):
        raise refused
    return client


def record_addresses(db: Session, store_id: int, user_ids: list[int]) -> dict[int, str]:
    """The address to show for each unclaimed record among `user_ids`: the one Calendly sent,
    not the placeholder's (which nobody receives mail at)."""
    if not user_ids:
        return {}
    return dict(db.execute(select(StoreClient.user_id, StoreClient.email).where(
        StoreClient.store_id == store_id, StoreClient.status == StoreClientStatus.UNCLAIMED,
        StoreClient.user_id.in_(user_ids))).all())
