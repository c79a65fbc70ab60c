"""Who may act on which booking, and acting inside the booking's own store.

Tenant scoping shows a client their own bookings in every store, plus (for availability) the
bookings of the store they are browsing. Every function that hands out or changes one booking
therefore checks ownership explicitly: a client gets only their own, a manager only their store's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import NotAuthenticated, NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import NO_ID, TenantContext, context_of
from hub_app.i18n import t


def is_staff(ctx: TenantContext) -> bool:
    return ctx.bypass or ctx.role in (UserRole.STORE_MANAGER, UserRole.ADMIN)


def visible_booking(db: Session, ctx: TenantContext, booking_id: int, *, lock: bool = False) -> Booking:
    """The booking if this actor may see it; NotFound otherwise (another store's or client's)."""
    if ctx.user_id is None and not ctx.bypass:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    query = select(Booking).where(Booking.id == booking_id)
    if lock:
        # Two changes of one booking (a double-clicked cancel, a webhook) queue up instead of racing.
        query = query.with_for_update()
    booking = db.scalar(query) if isinstance(booking_id, int) else None
    if booking is None:
        raise NotFound(t("booking.not_found", ctx.locale))
    if ctx.bypass or ctx.role == UserRole.ADMIN:
        return booking
    if ctx.role == UserRole.STORE_MANAGER:
        if booking.store_id != ctx.home_store_id or ctx.store_id != ctx.home_store_id:
            raise NotFound(t("booking.not_found", ctx.locale))
        require(ctx, Feature.MANAGE_BOOKINGS)
        return booking
    if booking.client_user_id != ctx.user_id:
        raise NotFound(t("booking.not_found", ctx.locale))
    return booking


def _publish(db: Session, ctx: TenantContext) -> None:
    db.info["tenant"] = ctx
    bind = db.get_bind()
    if bind.dialect.name == "postgresql":
        store_id = ctx.store_id if ctx.store_id is not None else NO_ID
        db.execute(text("SELECT set_config('app.store_id', :store_id, true)"), {"store_id": str(store_id)})


@contextmanager
def acting_in_store(db: Session, ctx: TenantContext, store_id: int) -> Iterator[TenantContext]:
    """A client changes their booking in store B while browsing elsewhere (their account page):
    the work (availability, audit entry) happens in B's scope, then the session goes back."""
    original = context_of(db) or ctx
    if ctx.bypass or ctx.store_id == store_id:
        yield ctx
        return
    inner = replace(ctx, store_id=store_id)
    _publish(db, inner)
    try:
        yield inner
    except BaseException:
        # The transaction is going to be rolled back, and the database setting with it.
        db.info["tenant"] = original
        raise
    db.flush()  # rows written for store B are checked against B's scope, before switching back
    _publish(db, original)
