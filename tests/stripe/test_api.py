"""The payments REST routes (/api/v1/stores/{slug}/...): thin adapters over the billing domain."""

from __future__ import annotations

from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_v1_app
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.stripe.helpers import load, pending_booking


def bearer(user_id: int) -> dict[str, str]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return {"Authorization": f"Bearer {open_session_token(db, db.get(AppUser, user_id))}"}


def test_status_checkout_and_mark_paid_over_http(shop, worker):
    api = TestClient(create_v1_app())
    slug = load(Store, shop.store_id).slug
    manager, client = bearer(shop.manager_id), bearer(shop.client_id)

    status = api.get(f"/stores/{slug}/payments/status", headers=manager)
    assert status.status_code == 200, status.text
    assert status.json() == {"available": True, "reason": "", "onboarding_state": "complete", "stripe_enabled": True}

    link = api.post(f"/stores/{slug}/payments/onboarding", headers=manager,
                    json={"return_url": "http://app/back", "refresh_url": "http://app/again"})
    assert link.status_code == 200 and link.json()["url"].endswith(shop.account_id)
    assert api.post(f"/stores/{slug}/payments/onboarding", headers=client,
                    json={"return_url": "x", "refresh_url": "y"}).status_code == 403

    booking_id = pending_booking(shop)
    started = api.post(f"/stores/{slug}/bookings/{booking_id}/checkout", headers=client, json={})
    assert started.status_code == 200, started.text
    assert started.json()["amount"] == "10.00" and started.json()["url"].startswith(shop.fake.url)

    shop.fake.pay_checkout_session(started.json()["session_id"])
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED

    assert api.post(f"/stores/{slug}/bookings/{booking_id}/mark-paid", headers=client).status_code == 403
    paid = api.post(f"/stores/{slug}/bookings/{booking_id}/mark-paid", headers=manager)
    assert paid.status_code == 200 and paid.json()["amount"] == "30.00"
    listed = api.get(f"/stores/{slug}/bookings/{booking_id}/payments", headers=manager).json()
    assert [(p["amount"], p["payment_method"]) for p in listed] == [("10.00", "card"), ("30.00", "at_store")]
