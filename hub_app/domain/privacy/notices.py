"""The email that confirms an erasure, sent through the outbox to the address being erased.

The row is written in the erasure's own transaction, so it holds the address the account had
before it was wiped. Its text names nobody; once the outbox has finished with it (sent, not
sent or given up), `forget_sent_addresses` clears its address too (the notification tick runs it).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.membership import LINKED
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from hub_app.i18n import SUPPORTED_LOCALES, t

PREFIX = "personal-data-erased"


def sending_store_id(db: Session, user: AppUser) -> int | None:
    """A store whose outbox can send to this client: their latest booking's, else a store link's."""
    booked = db.scalar(select(Booking.store_id).where(Booking.client_user_id == user.id)
                       .order_by(Booking.created_at.desc(), Booking.id.desc()).limit(1))
    if booked is not None:
        return booked
    return db.scalar(select(StoreClient.store_id).where(StoreClient.user_id == user.id,
                                                        StoreClient.status.in_(LINKED)).limit(1))


def queue_erasure_notice(db: Session, *, store_id: int, recipient_id: int, address: str, locale: str,
                         text_key: str, **params: object) -> Notification | None:
    store = db.get(Store, store_id)
    locale = locale if locale in SUPPORTED_LOCALES else (store.locale or "en")
    row = Notification(
        store_id=store_id, recipient_user_id=recipient_id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=t(f"{text_key}.subject", locale, store=store.name),
        body=t(f"{text_key}.body", locale, store=store.name, **params),
        to_address=address, status=NotificationStatus.PENDING,
        dedupe_key=f"{PREFIX}:{recipient_id}", next_attempt_at=utcnow(),
    )
    with outbox.acting_for_store(db, store_id):
        return outbox.add_once(db, row)


def forget_sent_addresses(db: Session) -> int:
    """Clear the address of every erasure email the outbox has finished with."""
    result = db.execute(
        update(Notification)
        .where(Notification.dedupe_key.like(f"{PREFIX}:%"), Notification.status != NotificationStatus.PENDING,
               Notification.to_address.is_not(None))
        .values(to_address=None)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
