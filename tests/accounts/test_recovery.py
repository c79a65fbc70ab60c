"""Forgotten passwords: the reset email through the outbox, the link's life, and the throttles."""

from __future__ import annotations

import dataclasses
import re
from datetime import time as dtime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from hub_app.domain.accounts import recovery
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import authenticate, open_session_token, user_for_token, verify_password
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.notifications.settings import message_history
from hub_app.domain.errors import NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.accounts.password_setup import RESET, SETUP, make_password_setup_token
from hub_app.domain.scheduling.models import Calendar, PriceType, Service
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings
from tests.factories import PASSWORD, T0, make_client, make_store, make_user

SYSTEM = dataclasses.replace(TenantContext.system(), locale="en")
ANONYMOUS = TenantContext.anonymous()


@pytest.fixture
def throttle() -> recovery.RequestThrottle:
    return recovery.RequestThrottle()


def reset_rows(db, user_id: int) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.recipient_user_id == user_id)
                           .order_by(Notification.id)))


def token_in(notification: Notification) -> str:
    link = re.search(r"https?://\S+/set-password\?token=\S+", notification.body).group(0)
    return parse_qs(urlsplit(link).query)["token"][0]


def book_in(db, store, client) -> None:
    calendar = Calendar(store_id=store.id, name="Chair")
    service = Service(store_id=store.id, name="Cut", duration_minutes=30, price_type=PriceType.FIXED,
                      base_price_amount=Decimal("20.00"))
    db.add_all([calendar, service])
    db.flush()
    db.add(Booking(store_id=store.id, client_user_id=client.id, service_id=service.id, calendar_id=calendar.id,
                   start_at=T0, end_at=T0 + timedelta(minutes=30), booking_date=T0.date(), start_time=dtime(11),
                   end_time=dtime(11, 30), status=BookingStatus.CONFIRMED, total_amount=Decimal("20.00"),
                   currency="EUR"))
    db.flush()


def issued_hours_ago(monkeypatch, hours: float, user: AppUser, purpose: str) -> str:
    issued = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) - int(hours * 3600))
        return make_password_setup_token(user, purpose)


def test_a_manager_gets_a_reset_email_in_their_store_and_the_link_sets_the_password(db, throttle):
    store, manager = make_store(db)
    manager.first_name = "Maria"
    other_session = open_session_token(db, manager)

    row = recovery.request_password_reset(db, SYSTEM, "  " + manager.email.upper(), ip="10.0.0.1", throttle=throttle)

    assert row is not None and reset_rows(db, manager.id) == [row]
    assert (row.store_id, row.kind, row.type, row.status, row.to_address) == (
        store.id, NotificationKind.ACCOUNT, Channel.EMAIL, NotificationStatus.PENDING, manager.email)
    assert row.subject == "Choose a new password for Appointment Hub" and "Hello Maria" in row.body
    token = token_in(row)
    view = recovery.check_password_link(db, ANONYMOUS, token)
    assert (view.email, view.purpose) == (manager.email, RESET)

    recovery.choose_password(db, ANONYMOUS, token, "a-new-secret-9", "a-new-secret-9")
    assert verify_password(db.get(AppUser, manager.id).password_hash, "a-new-secret-9")
    assert user_for_token(db, other_session) is None  # signed out everywhere
    with pytest.raises(ValidationFailed) as used:
        recovery.choose_password(db, ANONYMOUS, token, "another-one-9", "another-one-9")
    assert used.value.details["reason"] == "used" and "already used" in used.value.message


def test_a_client_is_written_to_from_the_store_they_booked_with_last_in_their_language(db, throttle):
    first, _ = make_store(db)
    last, _ = make_store(db)
    client = make_client(db)
    client.locale = "el"
    book_in(db, first, client)
    book_in(db, last, client)

    row = recovery.request_password_reset(db, SYSTEM, client.email, throttle=throttle)

    assert row.store_id == last.id
    assert row.subject == "Επιλέξτε νέο κωδικό για το Appointment Hub" and "/set-password?token=" in row.body


def test_nothing_is_sent_for_unknown_inactive_or_storeless_accounts(db, throttle):
    store, manager = make_store(db)
    manager.is_active = False
    admin = make_user(db, UserRole.ADMIN)
    never_booked = make_user(db, UserRole.CLIENT)
    for email in ("nobody@example.com", manager.email, admin.email, never_booked.email):
        assert recovery.request_password_reset(db, SYSTEM, email, throttle=throttle) is None
    assert db.scalar(select(Notification.id).where(Notification.kind == NotificationKind.ACCOUNT)) is None


def test_text_that_is_not_an_email_is_refused_and_only_system_work_may_ask(db, throttle):
    with pytest.raises(ValidationFailed) as bad:
        recovery.request_password_reset(db, SYSTEM, "not an address", throttle=throttle)
    assert "email" in bad.value.fields
    with pytest.raises(PermissionDenied):
        recovery.request_password_reset(db, ANONYMOUS, "someone@example.com", throttle=throttle)


def test_asking_too_often_is_refused_alike_for_known_and_unknown_emails(db):
    _, manager = make_store(db)
    clock = [1_000_000.0]
    throttle = recovery.RequestThrottle(clock=lambda: clock[0])
    for email in (manager.email, "nobody@example.com"):
        for _ in range(recovery.REQUESTS_PER_EMAIL):
            recovery.request_password_reset(db, SYSTEM, email, ip=None, throttle=throttle)
        with pytest.raises(RateLimited) as limited:
            recovery.request_password_reset(db, SYSTEM, email, ip=None, throttle=throttle)
        assert 0 < limited.value.retry_after <= recovery.REQUEST_WINDOW_SECONDS
        assert "Too many requests" in limited.value.message

    clock[0] += recovery.REQUEST_WINDOW_SECONDS
    assert recovery.request_password_reset(db, SYSTEM, "nobody@example.com", throttle=throttle) is None


def test_one_address_cannot_ask_for_many_emails(db, throttle):
    for n in range(recovery.REQUESTS_PER_ADDRESS):
        recovery.request_password_reset(db, SYSTEM, f"person{n}@example.com", ip="203.0.113.9", throttle=throttle)
    with pytest.raises(RateLimited):
        recovery.request_password_reset(db, SYSTEM, "one-more@example.com", ip="203.0.113.9", throttle=throttle)
    # Another address is not affected.
    assert recovery.request_password_reset(db, SYSTEM, "one-more@example.com", ip="203.0.113.10",
                                           throttle=throttle) is None


def test_the_same_request_twice_in_a_second_queues_one_email(db, throttle):
    _, manager = make_store(db)
    first = recovery.request_password_reset(db, SYSTEM, manager.email, throttle=throttle)
    again = recovery.request_password_reset(db, SYSTEM, manager.email, throttle=throttle)
    assert first is not None and again is None
    assert len(reset_rows(db, manager.id)) == 1


def test_an_account_gets_at_most_a_few_reset_emails_an_hour_whatever_the_process(db, monkeypatch):
    _, manager = make_store(db)
    minutes = iter(range(0, 3600, 60))
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) + next(minutes))
    # A fresh throttle per request stands for requests spread over several app processes.
    sent = [recovery.request_password_reset(db, SYSTEM, manager.email, throttle=recovery.RequestThrottle())
            for _ in range(recovery.EMAILS_PER_ACCOUNT_PER_HOUR + 2)]
    assert sum(row is not None for row in sent) == recovery.EMAILS_PER_ACCOUNT_PER_HOUR
    assert len(reset_rows(db, manager.id)) == recovery.EMAILS_PER_ACCOUNT_PER_HOUR


def test_a_reset_link_expires_after_two_hours_and_a_setup_link_after_three_days(db, monkeypatch):
    _, manager = make_store(db)
    old_reset = issued_hours_ago(monkeypatch, 2.1, manager, RESET)
    with pytest.raises(ValidationFailed) as expired:
        recovery.check_password_link(db, ANONYMOUS, old_reset)
    assert expired.value.details["reason"] == "expired" and "expired" in expired.value.message

    setup = issued_hours_ago(monkeypatch, 2.1, manager, SETUP)
    assert recovery.check_password_link(db, ANONYMOUS, setup).purpose == SETUP
    old_setup = issued_hours_ago(monkeypatch, 73, manager, SETUP)
    with pytest.raises(ValidationFailed) as setup_expired:
        recovery.check_password_link(db, ANONYMOUS, old_setup)
    assert setup_expired.value.details["reason"] == "expired"


def test_forged_or_missing_tokens_are_invalid(db):
    _, manager = make_store(db)
    token = make_password_setup_token(manager, RESET)
    for bad in (token[:-3] + "abc", "", "garbage"):
        with pytest.raises(ValidationFailed) as refused:
            recovery.check_password_link(db, ANONYMOUS, bad)
        assert refused.value.details["reason"] == "invalid"


def test_a_locked_out_account_can_sign_in_right_after_choosing_a_new_password(db):
    _, manager = make_store(db)
    for _ in range(get_settings().login_max_failures):
        with pytest.raises(NotAuthenticated):
            authenticate(db, manager.email, "a-wrong-guess", ip="198.51.100.7")
    with pytest.raises(RateLimited):
        authenticate(db, manager.email, PASSWORD, ip="198.51.100.7")
    recovery.choose_password(db, ANONYMOUS, make_password_setup_token(manager, RESET), "fresh-pass-123",
                             "fresh-pass-123")
    user, _ = authenticate(db, manager.email, "fresh-pass-123", ip="198.51.100.8")
    assert user.id == manager.id


def test_the_new_password_must_be_typed_twice_and_be_long_enough(db):
    _, manager = make_store(db)
    token = make_password_setup_token(manager, RESET)
    with pytest.raises(ValidationFailed) as differ:
        recovery.choose_password(db, ANONYMOUS, token, "long-enough-1", "long-enough-2")
    assert set(differ.value.fields) == {"confirm_password"} and "reason" not in differ.value.details
    with pytest.raises(ValidationFailed) as short:
        recovery.choose_password(db, ANONYMOUS, token, "short", "short")
    assert set(short.value.fields) == {"password"}
    # Neither attempt used the link.
    assert recovery.check_password_link(db, ANONYMOUS, token).email == manager.email


def test_the_store_history_does_not_show_the_reset_link(session_for, db, throttle):
    store, manager = make_store(db)
    client = make_client(db)
    book_in(db, store, client)
    assert recovery.request_password_reset(db, SYSTEM, client.email, throttle=throttle) is not None
    db.flush()
    ctx = TenantContext.for_user(manager)
    rows, total = message_history(session_for(ctx), ctx)
    [row] = [r for r in rows if r.kind == "account"]
    assert row.subject == "Choose a new password for Appointment Hub" and row.body == ""
