"""Clients of one store: everyone who booked there, with their history at this store only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.dashboard.access import dashboard_store
from hub_app.domain.dashboard.bookings import BookingFilters, BookingView, all_bookings
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
    """A client's details and bookings here. Someone who never booked at this store is not
    one of its clients: NotFound, so no one's details leak by guessing ids."""
    require(ctx, Feature.VIEW_CLIENTS)
    dashboard_store(db, ctx)
    history = all_bookings(db, ctx, BookingFilters(client_user_id=client_user_id, order="-start"), cap=HISTORY_LIMIT)
    user = db.get(AppUser, client_user_id) if isinstance(client_user_id, int) else None
    if not history or user is None or user.role != UserRole.CLIENT:
        raise NotFound(t("user.not_found", ctx.locale))
    return ClientCard(user.id, user.full_name, user.email, user.phone_number or "", user.address or "", user.age,
                      user.locale, history)
