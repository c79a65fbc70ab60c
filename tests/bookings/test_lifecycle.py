"""Status lifecycle, cancellation policy, reschedule history, tenant isolation of booking changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.lifecycle import ALLOWED_TRANSITIONS, transition
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.service import (
    BookingRequest, book, cancel_booking, complete_booking, confirm_booking, expire_holds, get_booking,
    mark_no_show, reschedule_booking,
)
from hub_app.domain.errors import Conflict, NotFound, PermissionDenied
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.bookings.helpers import MONDAY, act, build_shop, insert_booking, new_client

ALL_DAY = [("00:00", "23:30")]


def soon_and_later(db, shop, ctx):
    """A free start within the store's 24-hour cutoff and one well after it."""
    today = utcnow().astimezone(shop.tz).date()
    slots = free_slots(db, ctx, shop.service.id, today, today + timedelta(days=4))
    now = utcnow()
    soon = next(s.start for s in slots if s.start > now + timedelta(hours=2))
    later = next(s.start for s in slots if s.start > now + timedelta(hours=48))
    return soon, later


@pytest.mark.parametrize("current", list(BookingStatus))
def test_only_the_allowed_transitions_pass(db, current):
    shop = build_shop(db)
    row = insert_booking(db, shop, shop.local(MONDAY, "10:00"), status=current)
    for target in BookingStatus:
        savepoint = db.begin_nested()
        allowed = target in ALLOWED_TRANSITIONS.get(current, ())
        if allowed:
            transition(db, TenantContext.system(), row, target)
            assert row.status == target
        else:
            with pytest.raises(Conflict):
                transition(db, TenantContext.system(), row, target)
            assert row.status == current
        savepoint.rollback()
        db.refresh(row)
    terminal = {BookingStatus.CANCELLED, BookingStatus.COMPLETED, BookingStatus.RESCHEDULED, BookingStatus.NO_SHOW}
    assert (current in terminal) == (current not in ALLOWED_TRANSITIONS)


def test_every_change_is_audited_with_before_and_after(db):
    shop = build_shop(db)
    row = insert_booking(db, shop, shop.local(MONDAY, "10:00"), status=BookingStatus.PENDING)
    act(db, shop.manager_ctx)
    confirm_booking(db, shop.manager_ctx, row.id)
    cancel_booking(db, shop.manager_ctx, row.id, reason="client called")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "booking", AuditEntry.entity_id == row.id)
                         .order_by(AuditEntry.id)).all()
    assert [(e.action, e.before["status"], e.after["status"]) for e in entries] == [
        ("status_confirmed", "pending", "confirmed"), ("status_cancelled", "confirmed", "cancelled")]
    assert entries[1].actor_user_id == shop.manager.id and entries[1].after["cancel_reason"] == "client called"
    assert row.cancelled_by_user_id == shop.manager.id and row.cancelled_at is not None


def test_clients_cancel_only_before_the_cutoff_managers_always(db):
    shop = build_shop(db, hours=ALL_DAY)
    client, ctx = new_client(db, shop)
    act(db, ctx)
    soon, later = soon_and_later(db, shop, ctx)
    near = book(db, ctx, BookingRequest(service_id=shop.service.id, start=soon))
    far = book(db, ctx, BookingRequest(service_id=shop.service.id, start=later))
    with pytest.raises(PermissionDenied) as err:
        cancel_booking(db, ctx, near.id)
    assert err.value.details["cutoff_hours"] == 24
    assert cancel_booking(db, ctx, far.id).status == BookingStatus.CANCELLED
    act(db, shop.manager_ctx)
    assert cancel_booking(db, shop.manager_ctx, near.id).status == BookingStatus.CANCELLED
    with pytest.raises(Conflict):
        cancel_booking(db, shop.manager_ctx, near.id)


def test_reschedule_keeps_history_and_frees_the_old_time(db):
    shop = build_shop(db, hours=ALL_DAY, store_kw={"cancellation_cutoff_hours": 1})
    client, ctx = new_client(db, shop)
    act(db, ctx)
    soon, later = soon_and_later(db, shop, ctx)
    old = book(db, ctx, BookingRequest(service_id=shop.service.id, start=later))
    new = reschedule_booking(db, ctx, old.id, later + timedelta(minutes=30))
    assert old.status == BookingStatus.RESCHEDULED and new.status == BookingStatus.CONFIRMED
    assert new.rescheduled_from_id == old.id and new.total_amount == old.total_amount
    assert new.start_time == (later + timedelta(minutes=30)).astimezone(shop.tz).time()
    starts = [s.start for s in free_slots(db, ctx, shop.service.id, later.astimezone(shop.tz).date(),
                                          later.astimezone(shop.tz).date())]
    assert later in starts and later + timedelta(minutes=30) not in starts
    with pytest.raises(Conflict):  # history is final
        reschedule_booking(db, ctx, old.id, later + timedelta(hours=2))


def test_completion_and_no_show_only_after_the_start(db):
    shop = build_shop(db)
    past = insert_booking(db, shop, utcnow().replace(microsecond=0) - timedelta(hours=3))
    missed = insert_booking(db, shop, utcnow().replace(microsecond=0) - timedelta(hours=5))
    future = insert_booking(db, shop, shop.local(MONDAY, "10:00"))
    act(db, shop.manager_ctx)
    assert complete_booking(db, shop.manager_ctx, past.id).status == BookingStatus.COMPLETED
    assert mark_no_show(db, shop.manager_ctx, missed.id).status == BookingStatus.NO_SHOW
    with pytest.raises(Conflict):
        complete_booking(db, shop.manager_ctx, future.id)
    client, ctx = new_client(db, shop)
    act(db, ctx)
    with pytest.raises(PermissionDenied):
        confirm_booking(db, ctx, future.id)


def test_a_manager_cannot_touch_another_stores_booking(db):
    shop = build_shop(db)
    other = build_shop(db)
    theirs = insert_booking(db, other, other.local(MONDAY, "10:00"))
    act(db, shop.manager_ctx)
    for action in (lambda: cancel_booking(db, shop.manager_ctx, theirs.id),
                   lambda: get_booking(db, shop.manager_ctx, theirs.id),
                   lambda: confirm_booking(db, shop.manager_ctx, theirs.id)):
        with pytest.raises(NotFound):
            action()
    act(db, TenantContext.system())
    assert db.get(Booking, theirs.id).status == BookingStatus.CONFIRMED


def test_a_client_sees_and_changes_only_their_own_bookings(db):
    shop = build_shop(db)
    mine = insert_booking(db, shop, shop.local(MONDAY, "10:00"))
    stranger, stranger_ctx = new_client(db, shop)
    act(db, stranger_ctx)
    with pytest.raises(NotFound):
        get_booking(db, stranger_ctx, mine.id)
    with pytest.raises(NotFound):
        cancel_booking(db, stranger_ctx, mine.id)


def test_client_cancels_from_their_account_outside_the_store(db):
    shop = build_shop(db)
    client, ctx = new_client(db, shop)
    act(db, ctx)
    booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=shop.local(MONDAY, "11:00")))
    account_ctx = TenantContext.for_user(client)  # no store: the account page
    act(db, account_ctx)
    assert cancel_booking(db, account_ctx, booking.id).status == BookingStatus.CANCELLED
    assert db.info["tenant"] == account_ctx
    act(db, TenantContext.system())
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_id == booking.id, AuditEntry.action == "status_cancelled"))
    assert entry is not None and entry.store_id == shop.store.id


def test_expired_holds_are_cancelled(db):
    shop = build_shop(db)
    now = utcnow()
    stale = insert_booking(db, shop, shop.local(MONDAY, "10:00"), status=BookingStatus.PENDING,
                           hold=now - timedelta(minutes=1))
    fresh = insert_booking(db, shop, shop.local(MONDAY, "11:00"), status=BookingStatus.PENDING,
                           hold=now + timedelta(minutes=10))
    act(db, TenantContext.system())
    assert expire_holds(db, TenantContext.system(), now=now) == 1
    assert stale.status == BookingStatus.CANCELLED and fresh.status == BookingStatus.PENDING
