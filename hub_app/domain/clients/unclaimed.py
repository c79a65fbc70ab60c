"""Unclaimed client records: what one store got from Calendly about an invitee.

An invitee's email is not verified by anyone, so it never attaches their bookings to an existing
account: an account found by email could be anyone's (another store's client, a manager), and the
store would then see that person's details. Instead each invitee becomes a record of the one
store whose calendar they booked, holding only what Calendly sent. Its bookings hang on a
placeholder account that nobody can sign in to (an address under the reserved `.invalid` domain,
a random password) and that belongs to this record alone.

The person claims the record through the store's invitation (`invites.py`): accepting moves the
record's bookings to their own account.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import hash_password
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.stores.models import Store

# RFC 2606 reserves `.invalid`: no message can ever be delivered to such an address.
PLACEHOLDER_DOMAIN = "unclaimed.invalid"


def is_placeholder_address(email: str | None) -> bool:
    return bool(email) and email.endswith("@" + PLACEHOLDER_DOMAIN)  # type: ignore[union-attr]


def unclaimed_client(db: Session, store: Store, *, email: str, first_name: str, last_name: str,
                     phone: str | None) -> AppUser:
    """The placeholder account of this store's unclaimed record for `email`, made on first use.

    The same invitee booking again in this store reuses their record; another store gets its own.
    """
    row = db.scalar(select(StoreClient).where(
        StoreClient.store_id == store.id, StoreClient.email == email,
        StoreClient.status == StoreClientStatus.UNCLAIMED, StoreClient.user_id.is_not(None),
    ).order_by(StoreClient.id).limit(1))
    if row is not None:
        placeholder = db.get(AppUser, row.user_id)
        if placeholder is not None:
            return placeholder
    placeholder = AppUser(
        email=f"calendly-{secrets.token_hex(12)}@{PLACEHOLDER_DOMAIN}",
        first_name=first_name[:100], last_name=last_name[:100], phone_number=phone,
        password_hash=hash_password(secrets.token_urlsafe(32)), role=UserRole.CLIENT, locale=store.locale,
    )
    db.add(placeholder)
    db.flush()
    db.add(StoreClient(store_id=store.id, user_id=placeholder.id, status=StoreClientStatus.UNCLAIMED, email=email,
                       first_name=first_name[:100], last_name=last_name[:100], phone_number=phone))
    db.flush()
    return placeholder


def claim(db: Session, row: StoreClient, user: AppUser) -> int:
    """Move the unclaimed record's bookings in its store to `user`; returns how many moved.

    The caller (accepting an invitation) has proven the person received the invitation."""
    placeholder = db.get(AppUser, row.user_id)
    bookings = list(db.scalars(select(Booking).where(Booking.store_id == row.store_id,
                                                     Booking.client_user_id == row.user_id)))
    for booking in bookings:
        booking.client_user_id = user.id
    if placeholder is not None:
        placeholder.is_active = False  # nothing hangs on it any more
    db.flush()
    return len(bookings)
