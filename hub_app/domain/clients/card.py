"""Clients of one store: everyone who booked there, with their history at this store only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.clients.membership import is_store_client, record_addresses
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.bookings.listing import BookingFilters, BookingView, all_bookings
from hub_app.domain.errors import NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

HISTORY_LIMIT = 500


@dataclass(frozen=True)
class ClientCard:
    user_id: int
    name: str
    email: str
    phone: str
    address: str
    age: int | None
    locale: str
    bookings: list[BookingView]


def client_card(db: Session, ctx: TenantContext, client_user_id: int) -> ClientCard:
    """A client's details and bookings here. Someone who never booked at this store nor accepted
    its invitation is not one of its clients: NotFound, so no one's details leak by guessing ids."""
    require(ctx, Feature.VIEW_CLIENTS)
    dashboard_store(db, ctx)
    history = all_bookings(db, ctx, BookingFilters(client_user_id=client_user_id, order="-start"), cap=HISTORY_LIMIT)
    user = db.get(AppUser, client_user_id) if isinstance(client_user_id, int) else None
    if user is None or user.role != UserRole.CLIENT or not (history or is_store_client(db, ctx.store_id, user.id)):
        raise NotFound(t("user.not_found", ctx.locale))
    email = record_addresses(db, ctx.store_id, [user.id]).get(user.id, user.email)
    return ClientCard(user.id, user.full_name, email, user.phone_number or "", user.address or "", user.age,
                      user.locale, history)
