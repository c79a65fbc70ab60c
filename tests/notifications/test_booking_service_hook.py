"""Through the real booking service: its lifecycle calls the outbox inside its transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub_app.domain.bookings.service import BookingRequest, book, cancel_booking, reschedule_booking
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import MONDAY, act, build_shop, new_client

ALL_DAY = [("00:00", "23:30")]


def kinds(db, booking_id: int) -> list[tuple[NotificationKind, Channel, NotificationStatus]]:
    act(db, TenantContext.system())
    rows = db.scalars(select(Notification).where(Notification.booking_id == booking_id).order_by(Notification.id))
    return sorted((n.kind, n.type, n.status) for n in rows)


def test_book_reschedule_and_cancel_from_the_account_page(db):
    shop = build_shop(db, hours=ALL_DAY, store_kw={"cancellation_cutoff_hours": 0})
    client, ctx = new_client(db, shop)
    act(db, ctx)
    start = shop.local(MONDAY, "11:00")
    booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=start))
    P = NotificationStatus.PENDING
    assert kinds(db, booking.id) == [(NotificationKind.CONFIRMATION, Channel.EMAIL, P),
                                     (NotificationKind.CONFIRMATION, Channel.SMS, P)]
    # A reminder is waiting for the old time when the client moves the booking.
    db.add(Notification(store_id=shop.store.id, recipient_user_id=client.id, booking_id=booking.id, type=Channel.SMS,
                        kind=NotificationKind.REMINDER, body="r", dedupe_key=f"reminder:{booking.id}:x:sms"))
    db.flush()
    act(db, ctx)
    moved = reschedule_booking(db, ctx, booking.id, start + timedelta(hours=2))
    assert (NotificationKind.REMINDER, Channel.SMS, NotificationStatus.NOT_SENT) in kinds(db, booking.id)
    assert kinds(db, moved.id) == [(NotificationKind.RESCHEDULE, Channel.EMAIL, P),
                                   (NotificationKind.RESCHEDULE, Channel.SMS, P)]
    account_ctx = TenantContext.for_user(client)      # no store in context: the account page
    act(db, account_ctx)
    cancel_booking(db, account_ctx, moved.id)
    assert db.info["tenant"] == account_ctx
    assert [k for k in kinds(db, moved.id) if k[0] == NotificationKind.CANCELLATION] == [
        (NotificationKind.CANCELLATION, Channel.EMAIL, P), (NotificationKind.CANCELLATION, Channel.SMS, P)]
