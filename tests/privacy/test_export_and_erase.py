"""Export and erasure of a whole account, on SQLite and PostgreSQL (row-level security on)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import ClientDetails, authenticate, register_client
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from hub_app.domain.notifications.models import Notification
from hub_app.domain.privacy import notices
from hub_app.domain.privacy.erase import erase_account, erasure_plan
from hub_app.domain.privacy.export import EXPORTS_PER_DAY, KEYS, export_account
from hub_app.domain.privacy.export_files import export_zip
from hub_app.domain.tenancy import TenantContext
from tests.privacy.seed import EMAIL, FIRST, PASSWORD, PERSONAL, PHONE, seed, text_hits


@pytest.fixture
def seeded(committed_engine):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        data = seed(db)
    return data


def client_ctx(user_id: int) -> TenantContext:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return TenantContext.for_user(db.get(AppUser, user_id))


def test_export_holds_every_kind_of_data(seeded):
    document = export_account(client_ctx(seeded.user_id), seeded.user_id)
    assert set(KEYS) == set(document)
    assert document["profile"]["email"] == EMAIL and "password_hash" not in document["profile"]
    assert {b["id"] for b in document["bookings"]} == set(seeded.past_booking_ids + seeded.future_booking_ids)
    assert {b["store_name"] for b in document["bookings"]} == {seeded.shop_a.store.name, seeded.shop_b.store.name}
    assert {p["id"] for p in document["payments"]} == set(seeded.payment_ids)
    for key in ("subscriptions", "notifications", "store_links", "sessions", "sign_in_failures", "audit_entries"):
        assert document[key], key
    assert all("token_hash" not in s for s in document["sessions"])
    assert document["calendar_sync"]["events"] and document["calendly"]["deliveries"]
    archive = zipfile.ZipFile(io.BytesIO(export_zip(document, "el")))
    names = sorted(archive.namelist())
    assert [n.rsplit(".", 1)[1] for n in names] == ["html", "json"]
    assert json.loads(archive.read(names[1]))["profile"]["phone_number"] == PHONE
    assert FIRST in archive.read(names[0]).decode() and "Κρατήσεις" in archive.read(names[0]).decode()


def test_export_is_own_data_only_and_rate_limited(seeded):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        other = register_client(db, ClientDetails(first_name="A", last_name="B", email="other@example.org",
                                                  phone="+306970000001", address="x", age=20, password="password-1"))
    with pytest.raises(PermissionDenied):
        export_account(TenantContext.for_user(other), seeded.user_id)
    ctx = client_ctx(seeded.user_id)
    for _ in range(EXPORTS_PER_DAY):
        export_account(ctx, seeded.user_id)
    with pytest.raises(RateLimited):
        export_account(ctx, seeded.user_id)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        from hub_app.domain.audit.models import AuditEntry
        audited = db.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "personal_data_exported", AuditEntry.entity_id == seeded.user_id))
    assert audited == EXPORTS_PER_DAY


def test_erase_refuses_a_wrong_password_or_no_confirmation(seeded):
    ctx = client_ctx(seeded.user_id)
    with pytest.raises(ValidationFailed) as refused:
        erase_account(ctx, seeded.user_id, password="not-my-password", confirmed=True)
    assert "password" in refused.value.fields
    with pytest.raises(ValidationFailed) as unconfirmed:
        erase_account(ctx, seeded.user_id, password=PASSWORD, confirmed=False)
    assert "confirm" in unconfirmed.value.fields
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert db.get(AppUser, seeded.user_id).email == EMAIL


def test_guessing_the_password_to_erase_is_slowed_down_like_signing_in(seeded):
    from hub_app.domain.accounts.models import LoginFailure

    ctx = client_ctx(seeded.user_id)
    with pytest.raises(ValidationFailed):
        erase_account(ctx, seeded.user_id, password="a-guess-123", confirmed=True)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert db.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.email == EMAIL, LoginFailure.ip_address.is_(None))) == 1   # counted like a sign-in
        db.add_all([LoginFailure(email=EMAIL, ip_address=None) for _ in range(9)])
    with pytest.raises(RateLimited):   # ten guesses: even the right password waits
        erase_account(ctx, seeded.user_id, password=PASSWORD, confirmed=True)


def test_erase_leaves_no_personal_data_and_keeps_the_books(seeded, owner_engine):
    ctx = client_ctx(seeded.user_id)
    plan = erasure_plan(ctx, seeded.user_id)
    assert {f.booking_id for f in plan.future_bookings} == set(seeded.future_booking_ids)
    assert plan.bookings_kept == 4 and plan.payments_kept == 2 and len(plan.subscriptions) == 1
    with hub_db.unit_of_work(TenantContext.system()) as db:
        per_store = dict(db.execute(select(Booking.store_id, func.count()).group_by(Booking.store_id)).all())
        amounts = dict(db.execute(select(Payment.id, Payment.amount)).all())

    result = erase_account(ctx, seeded.user_id, password=PASSWORD, confirmed=True)
    assert result.bookings_cancelled == 2 and result.bookings_kept == 4 and result.email_queued

    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert dict(db.execute(select(Booking.store_id, func.count()).group_by(Booking.store_id)).all()) == per_store
        assert dict(db.execute(select(Payment.id, Payment.amount)).all()) == amounts
        assert db.scalar(select(Payment.stripe_charge_id).where(Payment.id == seeded.payment_ids[0]))
        statuses = {b.id: b.status for b in db.scalars(select(Booking))}
        assert all(statuses[i] == BookingStatus.CANCELLED for i in seeded.future_booking_ids)
        assert all(b.client_user_id == seeded.user_id for b in db.scalars(select(Booking)))
        notice = db.scalar(select(Notification).where(Notification.dedupe_key.like(f"{notices.PREFIX}:%")))
        assert notice.to_address == EMAIL and FIRST not in notice.body   # sent before it is wiped
    # The only trace left is the confirmation's address, until the outbox is done with it.
    assert {(t, c) for t, c, _ in text_hits(owner_engine)} == {("notification", "to_address")}
    from hub_app.domain.notifications.dispatch import Providers, deliver
    assert deliver(notice.id, providers=Providers()).status == "not_sent"
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert notices.forget_sent_addresses(db) == 1
    assert text_hits(owner_engine) == []

    with hub_db.unit_of_work(TenantContext.anonymous()) as db, pytest.raises(NotAuthenticated):
        authenticate(db, EMAIL, PASSWORD)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        again = register_client(db, ClientDetails(first_name="New", last_name="Person", email=EMAIL,
                                                  phone="+306970000002", address="y", age=30, password="another-pass-1"))
        assert again.id != seeded.user_id
    assert set(PERSONAL)  # the needles the scan looked for


def test_erase_refused_when_a_subscription_cannot_be_stopped(seeded, monkeypatch):
    from hub_app.domain.billing.gateway import GatewayError
    from hub_app.domain.billing.models import ServiceSubscription
    from hub_app.domain.privacy import erase as erase_module

    class Failing:
        def cancel_subscription(self, *args, **kwargs):
            raise GatewayError("Stripe is down", status=503)

    monkeypatch.setattr(erase_module, "require_gateway", lambda locale=None: Failing())
    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.scalars(select(ServiceSubscription)).one().stripe_subscription_id = "sub_test_1"
    with pytest.raises(Exception) as refused:
        erase_account(client_ctx(seeded.user_id), seeded.user_id, password=PASSWORD, confirmed=True)
    assert "could not be cancelled" in str(refused.value)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        user = db.get(AppUser, seeded.user_id)
        assert user.email == EMAIL and user.is_active
        assert all(b.status != BookingStatus.CANCELLED for b in db.scalars(select(Booking)))
        from hub_app.domain.audit.models import AuditEntry
        steps = list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "app_user",
                                                                AuditEntry.entity_id == seeded.user_id)))
        assert steps == ["personal_data_erasure_started", "personal_data_erasure_refused"]
