"""Sending: exactly once under duplicates, concurrency and restarts; retries; no provider.

Real commits (committed_engine) on SQLite and PostgreSQL, the real EasySMS client against the
fake server, and email to a capturing SMTP server.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.notifications import dispatch, outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.notifications.reminders import queue_due_reminders
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import make_client, make_store
from tests.notifications.conftest import in_days, make_booking

SYSTEM = TenantContext.system()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Ids handed over after commit (no broker in these tests)."""
    ids: list[int] = []
    monkeypatch.setattr(outbox, "_enqueuer", ids.extend)
    return ids


def confirmed_booking(days: float = 3, **store_kw) -> tuple[int, dict[Channel, int]]:
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db, name="Salon Eleni", **store_kw)
        client = make_client(db)
        booking = make_booking(db, store, client, in_days(days))
        rows = outbox.on_booking_event(db, booking, "confirmed")
        return booking.id, {row.type: row.id for row in rows}


def load(notification_id: int) -> Notification:
    with hub_db.unit_of_work(SYSTEM) as db:
        return db.get(Notification, notification_id)


def test_rows_are_enqueued_only_after_commit(committed_engine, enqueued):
    _, ids = confirmed_booking()
    assert sorted(enqueued) == sorted(ids.values())


def test_rolled_back_booking_leaves_nothing_to_send(committed_engine, enqueued, provider_env, fake_easysms):
    with pytest.raises(RuntimeError):
        with hub_db.unit_of_work(SYSTEM) as db:
            store, _ = make_store(db)
            booking = make_booking(db, store, make_client(db), in_days(2))
            assert len(outbox.on_booking_event(db, booking, "confirmed")) == 2
            raise RuntimeError("slot taken after all")
    assert enqueued == []
    with hub_db.unit_of_work(SYSTEM) as db:
        assert db.scalars(select(Notification)).all() == []
        assert dispatch.due_for_sending(db) == []
    assert fake_easysms.sends() == []


def test_deliver_sends_sms_and_email_with_ics(committed_engine, enqueued, provider_env, fake_easysms, smtp_server):
    booking_id, ids = confirmed_booking()
    sms_outcome = dispatch.deliver(ids[Channel.SMS])
    email_outcome = dispatch.deliver(ids[Channel.EMAIL])
    assert (sms_outcome.status, email_outcome.status) == ("sent", "sent")
    (request,) = fake_easysms.sends()
    assert request.params["callback"] == f"https://hub.example/webhooks/easysms/{provider_env['EASYSMS_CALLBACK_TOKEN']}"
    assert request.params["to"] == "306971234567" and request.params["from"] == "HubSalon"
    sms = load(ids[Channel.SMS])
    assert sms.status == NotificationStatus.SENT and sms.external_message_id == sms_outcome.detail
    assert sms.segments == 1 and sms.attempts == 1 and sms.sent_at is not None and sms.last_error is None
    _, handler = smtp_server
    (message,) = handler.messages
    assert message["To"] == load(ids[Channel.EMAIL]).to_address
    (ics,) = list(message.iter_attachments())
    assert ics.get_content_type() == "text/calendar" and b"BEGIN:VEVENT" in ics.get_payload(decode=True)
    assert f"booking-{booking_id}@".encode() in ics.get_payload(decode=True)


def test_duplicate_enqueue_and_redelivery_send_once(committed_engine, enqueued, provider_env, fake_easysms):
    _, ids = confirmed_booking()
    outcomes = [dispatch.deliver(ids[Channel.SMS]).status for _ in range(3)]
    assert outcomes == ["sent", "skipped", "skipped"]
    assert len(fake_easysms.sends()) == 1


def test_concurrent_workers_send_once(committed_engine, enqueued, provider_env, fake_easysms):
    _, ids = confirmed_booking()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker():
        barrier.wait()
        outcomes.append(dispatch.deliver(ids[Channel.SMS]).status)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(fake_easysms.sends()) == 1 and load(ids[Channel.SMS]).attempts == 1


def test_worker_dying_mid_attempt_is_resent_once_after_the_lease(committed_engine, enqueued, provider_env, fake_easysms):
    _, ids = confirmed_booking()
    nid = ids[Channel.SMS]
    now = utcnow()
    with hub_db.unit_of_work(SYSTEM) as db:        # an attempt claims the row, then its process dies
        assert dispatch.claim(db, nid, now) is not None
    assert dispatch.deliver(nid, now=now).status == "skipped"          # the restarted worker's redelivery
    with hub_db.unit_of_work(SYSTEM) as db:
        assert nid not in dispatch.due_for_sending(db, now)
        later = now + dispatch.LEASE + timedelta(seconds=1)
        assert nid in dispatch.due_for_sending(db, later)               # the sweeper finds it again
    assert dispatch.deliver(nid, now=later).status == "sent"
    assert dispatch.deliver(nid, now=later).status == "skipped"
    assert len(fake_easysms.sends()) == 1 and load(nid).attempts == 2


def test_transient_failure_retries_with_backoff_then_fails(committed_engine, enqueued, provider_env, fake_easysms):
    _, ids = confirmed_booking()
    nid = ids[Channel.SMS]
    now = utcnow()
    fake_easysms.queue_answer(503, "<html>down</html>", "text/html")
    first = dispatch.deliver(nid, now=now)
    assert first.status == "retry" and first.retry_at == now + dispatch.BACKOFF[0]
    row = load(nid)
    assert row.status == NotificationStatus.PENDING and "HTTP 503" in row.last_error and row.attempts == 1
    assert dispatch.deliver(nid, now=now + timedelta(seconds=30)).status == "skipped"   # not due yet
    assert dispatch.deliver(nid, now=first.retry_at).status == "sent"
    assert load(nid).status == NotificationStatus.SENT and load(nid).last_error is None

    _, more = confirmed_booking()
    nid = more[Channel.SMS]
    at = utcnow()
    for attempt in range(1, dispatch.MAX_ATTEMPTS + 1):
        fake_easysms.queue_answer(200, {"status": "0", "error": "105", "remarks": "Insufficient balance"})
        outcome = dispatch.deliver(nid, now=at)
        at = outcome.retry_at or at
    assert outcome.status == "failed"
    row = load(nid)
    assert row.status == NotificationStatus.FAILED and row.attempts == dispatch.MAX_ATTEMPTS
    assert "105" in row.last_error and "Insufficient balance" in row.last_error


def test_permanent_error_fails_at_once(committed_engine, enqueued, provider_env, fake_easysms, monkeypatch):
    _, ids = confirmed_booking()
    fake_easysms.api_key = "rotated-key"
    outcome = dispatch.deliver(ids[Channel.SMS])
    assert outcome.status == "failed"
    row = load(ids[Channel.SMS])
    assert row.status == NotificationStatus.FAILED and "101" in row.last_error and row.attempts == 1


def test_no_provider_configured_records_not_sent(committed_engine, enqueued, no_provider_env):
    _, ids = confirmed_booking()
    for channel, nid in ids.items():
        outcome = dispatch.deliver(nid)
        assert outcome.status == "not_sent"
        row = load(nid)
        assert row.status == NotificationStatus.NOT_SENT and row.next_attempt_at is None
        assert ("EASYSMS_API_KEY" if channel == Channel.SMS else "SMTP_HOST") in row.last_error
        assert dispatch.deliver(nid).status == "skipped"
    with hub_db.unit_of_work(SYSTEM) as db:
        assert dispatch.due_for_sending(db) == []


def test_stale_reminder_is_not_sent(committed_engine, enqueued, provider_env, fake_easysms):
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db, reminder_hours_before=24)
        booking = make_booking(db, store, make_client(db), in_days(0.5), created_at=utcnow() - timedelta(days=3))
        booking_id = booking.id
    with hub_db.unit_of_work(SYSTEM) as db:
        reminder_ids = [n.id for n in queue_due_reminders(db, SYSTEM) if n.booking_id == booking_id]
    assert len(reminder_ids) == 2
    with hub_db.unit_of_work(SYSTEM) as db:
        # Changed behind the outbox's back (no hook call): the dispatcher must still notice.
        db.get(Booking, booking_id).status = BookingStatus.CANCELLED
    for nid in reminder_ids:
        assert dispatch.deliver(nid).status == "not_sent"
        assert "cancelled" in load(nid).last_error
    assert fake_easysms.sends() == []


def test_reminder_for_a_live_booking_is_sent(committed_engine, enqueued, provider_env, fake_easysms):
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db, reminder_hours_before=24)
        make_booking(db, store, make_client(db), in_days(0.5), created_at=utcnow() - timedelta(days=3))
    with hub_db.unit_of_work(SYSTEM) as db:
        sms_id = next(n.id for n in queue_due_reminders(db, SYSTEM) if n.type == Channel.SMS)
    assert sorted(enqueued)[-1] >= sms_id
    assert dispatch.deliver(sms_id).status == "sent"
    assert fake_easysms.sends()[0].params["text"].startswith("Reminder from ")
    assert load(sms_id).kind == NotificationKind.REMINDER
