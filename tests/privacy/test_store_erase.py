"""A store removes a client from its own records only; other stores and the account are untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import authenticate
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.clients.models import StoreClient
from hub_app.domain.errors import NotFound, PermissionDenied
from hub_app.domain.notifications.models import Notification
from hub_app.domain.privacy.erase import erase_account
from hub_app.domain.privacy.export import export_store_client
from hub_app.domain.privacy.store_erase import erase_store_client, store_erasure_plan
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_client
from tests.privacy.seed import EMAIL, FIRST, PASSWORD, PERSONAL, seed


@pytest.fixture
def seeded(committed_engine):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return seed(db)


def test_store_export_holds_only_that_store(seeded):
    ctx = seeded.shop_a.manager_ctx
    document = export_store_client(ctx, seeded.user_id)
    assert document["scope"]["store"]["id"] == seeded.shop_a.store.id
    assert {b["store_id"] for b in document["bookings"]} == {seeded.shop_a.store.id}
    assert {p["store_id"] for p in document["payments"]} == {seeded.shop_a.store.id}
    assert document["sessions"] == [] and document["sign_in_failures"] == []
    assert document["profile"]["email"] == EMAIL and "password_changed_at" not in document["profile"]
    assert all(a["store_id"] == seeded.shop_a.store.id for a in document["audit_entries"])


def test_manager_cannot_reach_a_client_of_another_store(seeded):
    with hub_db.unit_of_work(TenantContext.system()) as db:
        stranger = make_client(db)
    ctx = seeded.shop_a.manager_ctx
    for call in (lambda: export_store_client(ctx, stranger.id), lambda: store_erasure_plan(ctx, stranger.id),
                 lambda: erase_store_client(ctx, stranger.id, confirmed=True)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(PermissionDenied):   # a manager can never erase an account
        erase_account(ctx, seeded.user_id, password=None, confirmed=True)


def _store_rows(db, store_id):
    return (db.scalar(select(func.count()).select_from(Booking).where(Booking.store_id == store_id)),
            sorted(db.scalars(select(Payment.amount).where(Payment.store_id == store_id))))


def test_store_erase_changes_that_store_only(seeded):
    a, b = seeded.shop_a.store.id, seeded.shop_b.store.id
    with hub_db.unit_of_work(TenantContext.system()) as db:
        before_a, before_b = _store_rows(db, a), _store_rows(db, b)
        b_bookings = {x.id: (x.client_user_id, x.notes, x.status) for x in db.scalars(
            select(Booking).where(Booking.store_id == b))}
    plan = store_erasure_plan(seeded.shop_a.manager_ctx, seeded.user_id)
    assert len(plan.future_bookings) == 1 and plan.email_sent

    result = erase_store_client(seeded.shop_a.manager_ctx, seeded.user_id, confirmed=True)
    assert result.bookings_cancelled == 1 and result.bookings_kept == 2

    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert _store_rows(db, a) == before_a and _store_rows(db, b) == before_b
        assert {x.id: (x.client_user_id, x.notes, x.status) for x in db.scalars(
            select(Booking).where(Booking.store_id == b))} == b_bookings
        a_rows = list(db.scalars(select(Booking).where(Booking.store_id == a)))
        assert {x.client_user_id for x in a_rows} == {result.record_id}
        assert all(x.notes is None for x in a_rows)
        assert db.scalar(select(func.count()).select_from(StoreClient).where(StoreClient.store_id == a)) == 0
        # Store A's messages and audit keep nothing that names the person.
        for row in db.scalars(select(Notification).where(Notification.store_id == a,
                                                         Notification.dedupe_key.not_like("personal-data-erased:%"))):
            assert all(v.lower() not in f"{row.subject} {row.body} {row.to_address}".lower() for v in PERSONAL)
        # The account itself is intact and still signs in.
        user = db.get(AppUser, seeded.user_id)
        assert user.email == EMAIL and user.first_name == FIRST and user.is_active
    with hub_db.unit_of_work(TenantContext.anonymous()) as db:
        authenticate(db, EMAIL, PASSWORD)
    with pytest.raises(NotFound):   # no longer a client of store A
        export_store_client(seeded.shop_a.manager_ctx, seeded.user_id)
    assert all(status != BookingStatus.CANCELLED for _, _, status in b_bookings.values())
