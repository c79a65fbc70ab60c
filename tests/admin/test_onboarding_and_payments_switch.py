"""Onboarding in one step, the password setup link it emails, and the Stripe switch's effect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import verify_password
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.accounts.password_setup import set_password_with_token
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from tests.admin.conftest import fetch, flashed, seed

ONBOARDING = {
    "name": "Studio Thessaloniki", "slug": "studio-thess", "timezone": "Europe/Athens", "currency": "EUR",
    "locale": "el", "city": "Thessaloniki", "country": "gr", "manager_email": "Maria@Studio.gr",
    "manager_first_name": "Maria", "manager_last_name": "K",
}


def test_onboarding_creates_store_manager_and_queues_the_password_email(admin_client):
    response = admin_client.post("/admin/onboarding", data=ONBOARDING)
    assert response.status_code == 200 and response.url.path.startswith("/admin/store/details/")
    assert any("Studio Thessaloniki" in message for message in flashed(response.text))

    def load(db):
        store = db.scalar(select(Store).where(Store.slug == "studio-thess"))
        manager = db.scalar(select(AppUser).where(AppUser.email == "maria@studio.gr"))
        notes = list(db.scalars(select(Notification).where(Notification.recipient_user_id == manager.id)))
        return store, manager, notes

    store, manager, notes = seed(load)
    assert store.country == "GR" and store.manager_user_id == manager.id
    assert manager.role == UserRole.STORE_MANAGER and manager.store_id == store.id
    [note] = notes
    assert (note.kind, note.type, note.status, note.store_id) == (
        NotificationKind.ACCOUNT, Channel.EMAIL, NotificationStatus.PENDING, store.id)
    assert note.to_address == "maria@studio.gr" and "Studio Thessaloniki" in note.subject  # Greek wording

    link = re.search(r"https?://\S+/set-password\?token=\S+", note.body).group(0)
    token = parse_qs(urlsplit(link).query)["token"][0]
    seed(lambda db: set_password_with_token(db, token, "maria-chooses-this"))
    assert verify_password(fetch(AppUser, manager.id).password_hash, "maria-chooses-this")
    with pytest.raises(ValidationFailed):  # a link works once
        seed(lambda db: set_password_with_token(db, token, "someone-else-1"))
    with pytest.raises(ValidationFailed):  # and cannot be forged
        seed(lambda db: set_password_with_token(db, token[:-2] + "xx", "someone-else-1"))


def test_onboarding_reports_every_problem_and_creates_nothing(admin_client, shop):
    store, manager, _ = shop
    response = admin_client.post("/admin/onboarding", data={
        **ONBOARDING, "slug": store.slug, "manager_email": manager.email})
    assert response.status_code == 400
    assert "This address is already used by another store." in response.text
    assert seed(lambda db: db.scalar(select(Store).where(Store.name == "Studio Thessaloniki"))) is None


def test_a_setup_link_can_be_sent_again_from_the_user_list(admin_client, shop):
    _, manager, client_user = shop
    response = admin_client.get(f"/admin/app-user/action/send-setup-link?pks={manager.id},{client_user.id}")
    messages = flashed(response.text)
    assert "1 password setup emails queued." in messages
    assert any(m.startswith(f"#{client_user.id}:") for m in messages)  # clients reset their own password


SERVICE_FORM = {
    "name": "Deposit cut", "duration_minutes": "30", "buffer_before_minutes": "0", "buffer_after_minutes": "0",
    "min_persons": "1", "max_persons": "1", "capacity_persons": "1", "price_type": "fixed",
    "base_price_amount": "30.00", "payment_enabled": "y", "advance_payment_type": "fixed",
    "advance_payment_amount": "10.00", "save": "Save",
}


def test_the_stripe_switch_decides_whether_a_service_may_take_payments(admin_client, shop):
    store, _, _ = shop
    assert fetch(Store, store.id).stripe_enabled is False
    form = {**SERVICE_FORM, "store_id": str(store.id)}
    refused = admin_client.post("/admin/service/create", data=form)
    assert refused.status_code == 400 and "Payments are not enabled for this store." in refused.text

    response = admin_client.get(f"/admin/store/action/enable-payments?pks={store.id}")
    assert "Stripe payments turned on for 1 stores." in flashed(response.text)
    assert fetch(Store, store.id).stripe_enabled is True
    assert admin_client.post("/admin/service/create", data=form, follow_redirects=False).status_code == 302
    service = seed(lambda db: db.scalar(select(Service).where(Service.name == "Deposit cut")))
    assert service.payment_enabled and service.store_id == store.id

    admin_client.get(f"/admin/store/action/disable-payments?pks={store.id}")
    assert fetch(Store, store.id).stripe_enabled is False
    # With the switch off, an edit that keeps payment settings is refused as well.
    edit = admin_client.post(f"/admin/service/edit/{service.id}", data={**form, "name": "Renamed"})
    assert edit.status_code == 400 and "Payments are not enabled for this store." in edit.text
    ok = admin_client.post(f"/admin/service/edit/{service.id}", data={
        **{k: v for k, v in form.items() if k not in ("payment_enabled", "advance_payment_type",
                                                      "advance_payment_amount")}, "name": "Renamed"},
        follow_redirects=False)
    assert ok.status_code == 302, ok.text
    assert fetch(Service, service.id).name == "Renamed" and not fetch(Service, service.id).payment_enabled
