"""Users and stores through the admin forms: hashing, manager rules, edits, archiving, safe deletes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import verify_password
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.models import tenant_models
from hub_app.domain.scheduling.models import Calendar, PriceType, Service
from hub_app.domain.stores.models import Store
from tests.admin.conftest import fetch, flashed, seed
from tests.factories import T0


def _user_by_email(email: str) -> AppUser | None:
    return seed(lambda db: db.scalar(select(AppUser).where(AppUser.email == email)))


def _book(db, store_id: int, client_id: int) -> Booking:
    cal = Calendar(store_id=store_id, name="Chair")
    service = Service(store_id=store_id, name="Cut", duration_minutes=30, price_type=PriceType.FIXED,
                      base_price_amount=Decimal("20.00"))
    db.add_all([cal, service])
    db.flush()
    booking = Booking(store_id=store_id, client_user_id=client_id, service_id=service.id, calendar_id=cal.id,
                      start_at=T0, end_at=T0 + timedelta(minutes=30), booking_date=T0.date(),
                      start_time=T0.time(), end_time=(T0 + timedelta(minutes=30)).time(),
                      status=BookingStatus.PENDING, total_amount=Decimal("20.00"))
    db.add(booking)
    db.flush()
    return booking


def test_creating_a_user_hashes_the_password_and_never_shows_it(admin_client, shop):
    store, _, _ = shop
    response = admin_client.post("/admin/app-user/create", data={
        "first_name": "Nikos", "last_name": "Papas", "email": "Nikos@Example.com", "role": "store_manager",
        "store_id": str(store.id), "locale": "el", "password": "a-long-secret-9", "save": "Save",
    }, follow_redirects=False)
    assert response.status_code == 302, response.text
    user = _user_by_email("nikos@example.com")
    assert user.role == UserRole.STORE_MANAGER and user.store_id == store.id
    assert user.password_hash.startswith("$argon2") and verify_password(user.password_hash, "a-long-secret-9")
    for path in (f"/admin/app-user/details/{user.id}", f"/admin/app-user/edit/{user.id}", "/admin/app-user/list",
                 "/admin/app-user/export/csv", "/admin/app-user/export/json"):
        html = admin_client.get(path).text
        assert user.password_hash not in html and "$argon2" not in html and "a-long-secret-9" not in html
    # No password field when editing: passwords change through a setup link.
    assert 'name="password"' not in admin_client.get(f"/admin/app-user/edit/{user.id}").text
    assert 'name="password"' in admin_client.get("/admin/app-user/create").text


def test_a_store_manager_needs_a_store_and_a_short_password_is_refused(admin_client):
    response = admin_client.post("/admin/app-user/create", data={
        "email": "m@example.com", "role": "store_manager", "store_id": "", "locale": "en",
        "password": "long-enough-1", "save": "Save"})
    assert response.status_code == 400 and "A store manager must belong to a store." in response.text
    response = admin_client.post("/admin/app-user/create", data={
        "email": "c@example.com", "role": "client", "locale": "en", "password": "short", "save": "Save"})
    assert response.status_code == 400
    assert _user_by_email("m@example.com") is None and _user_by_email("c@example.com") is None


def test_editing_a_user_is_audited_and_archiving_deactivates(admin_client, shop, admin_user):
    _, manager, client_user = shop
    response = admin_client.post(f"/admin/app-user/edit/{client_user.id}", data={
        "first_name": "Eleni", "last_name": "Renamed", "email": client_user.email, "role": "client",
        "locale": "en", "is_active": "y", "save": "Save"}, follow_redirects=False)
    assert response.status_code == 302, response.text
    assert fetch(AppUser, client_user.id).last_name == "Renamed"
    entry = seed(lambda db: db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "app_user",
                                                               AuditEntry.entity_id == client_user.id)))
    assert entry.actor_user_id == admin_user.id and entry.after["last_name"] == "Renamed"
    assert "password_hash" not in entry.after

    response = admin_client.get(f"/admin/app-user/action/archive?pks={manager.id}")
    assert "1 deactivated." in flashed(response.text)
    assert fetch(AppUser, manager.id).is_active is False


def test_deleting_a_user_with_bookings_is_refused_and_without_history_works(admin_client, shop):
    store, manager, client_user = shop
    seed(lambda db: _book(db, store.id, client_user.id))
    response = admin_client.delete(f"/admin/app-user/delete?pks={client_user.id}")
    assert "Deactivate it instead" in admin_client.get(response.text).text
    assert fetch(AppUser, client_user.id) is not None

    response = admin_client.delete(f"/admin/app-user/delete?pks={manager.id}")
    assert "error=" not in response.text
    assert fetch(AppUser, manager.id) is None
    assert fetch(Store, store.id).manager_user_id is None


def test_an_admin_cannot_delete_themselves(admin_client, admin_user):
    response = admin_client.delete(f"/admin/app-user/delete?pks={admin_user.id}")
    assert "error=" in response.text and fetch(AppUser, admin_user.id) is not None


def test_store_edit_goes_through_the_store_rules(admin_client, shop):
    store, _, _ = shop
    form = {"name": "Salon Kifisia", "slug": "salon-kifisia", "timezone": "Europe/Athens", "locale": "el",
            "currency": "EUR", "cancellation_cutoff_hours": "12", "min_notice_minutes": "30",
            "booking_horizon_days": "90", "payment_hold_minutes": "15", "reminder_hours_before": "24",
            "is_active": "y", "current_subscription_plan_id": "", "save": "Save"}
    response = admin_client.post(f"/admin/store/edit/{store.id}", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    row = fetch(Store, store.id)
    assert (row.name, row.slug, row.cancellation_cutoff_hours) == ("Salon Kifisia", "salon-kifisia", 12)
    bad = admin_client.post(f"/admin/store/edit/{store.id}", data={**form, "timezone": "Mars/Base"})
    assert bad.status_code == 400 and "Unknown time zone." in bad.text


def test_store_details_show_related_records_by_name(admin_client, shop):
    store, manager, client_user = shop
    seed(lambda db: _book(db, store.id, client_user.id))
    html = admin_client.get(f"/admin/store/details/{store.id}").text
    assert manager.email in html  # the manager column reads as a name with a link
    assert f'/admin/app-user/details/{manager.id}' in html
    assert 'id="related-records"' in html and "Chair" in html and "Cut" in html


def test_deleting_a_store_with_bookings_is_refused_then_archiving_works(admin_client, shop):
    store, _, client_user = shop
    seed(lambda db: _book(db, store.id, client_user.id))
    response = admin_client.delete(f"/admin/store/delete?pks={store.id}")
    assert "Archive it instead" in admin_client.get(response.text).text
    assert fetch(Store, store.id) is not None
    admin_client.get(f"/admin/store/action/archive?pks={store.id}")
    assert fetch(Store, store.id).is_active is False


def test_deleting_a_store_without_history_leaves_no_orphans(admin_client, shop):
    store, manager, _ = shop
    seed(lambda db: db.add_all([Calendar(store_id=store.id, name="Room"), Service(
        store_id=store.id, name="Massage", duration_minutes=60, price_type=PriceType.FIXED,
        base_price_amount=Decimal("40.00"))]))
    response = admin_client.delete(f"/admin/store/delete?pks={store.id}")
    assert "error=" not in response.text, response.text
    assert fetch(Store, store.id) is None and fetch(AppUser, manager.id) is None

    def leftovers(db):
        counts = {m.__tablename__: db.scalar(select(func.count()).select_from(m).where(m.store_id == store.id))
                  for m in tenant_models()}
        counts["app_user"] = db.scalar(select(func.count()).select_from(AppUser).where(AppUser.store_id == store.id))
        return {k: v for k, v in counts.items() if v}

    assert seed(leftovers) == {}
