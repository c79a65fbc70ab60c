"""HTTP-level fixtures: the real ASGI app (`create_api()`) over a committed database.

`world` builds two stores with their managers, an admin and a client through the domain layer;
everything else a test needs (calendars, services, bookings) it creates through the API itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import PASSWORD, make_client, make_store, make_user

V1 = "/api/v1"


@dataclass(frozen=True)
class World:
    admin_email: str
    client_email: str
    client_id: int
    slug_a: str
    slug_b: str
    store_a_id: int
    store_b_id: int
    manager_a_email: str
    manager_b_email: str


@pytest.fixture
def api(committed_engine) -> TestClient:
    return TestClient(create_api())


@pytest.fixture
def world(committed_engine) -> World:
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        admin = make_user(db, UserRole.ADMIN, email="admin@example.com")
        store_a, manager_a = make_store(db, "alpha-salon", timezone="Europe/Athens")
        store_b, manager_b = make_store(db, "beta-salon", timezone="Europe/Athens")
        client = make_client(db, email="eleni@example.com")
        return World(
            admin_email=admin.email, client_email=client.email, client_id=client.id,
            slug_a=store_a.slug, slug_b=store_b.slug, store_a_id=store_a.id, store_b_id=store_b.id,
            manager_a_email=manager_a.email, manager_b_email=manager_b.email,
        )


def bearer(api: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = api.post(f"{V1}/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message", "fields"}}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code
    return error


def booking_day(days_ahead: int = 7) -> date:
    """A local day in Athens comfortably inside the booking horizon and past the notice."""
    return utcnow().astimezone(ZoneInfo("Europe/Athens")).date() + timedelta(days=days_ahead)


@dataclass(frozen=True)
class Offer:
    calendar_id: int
    service_id: int


def open_service(api: TestClient, slug: str, headers: dict, *, capacity: int | None = None,
                 max_persons: int = 1, price: str = "25.00", price_type: str = "fixed") -> Offer:
    """One calendar open 09:00-17:00 every day and a 30-minute service on it, made through the API."""
    cal = api.post(f"{V1}/stores/{slug}/calendars", json={"name": "Chair 1"}, headers=headers)
    assert cal.status_code == 201, cal.text
    calendar_id = cal.json()["id"]
    hours = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]
    put = api.put(f"{V1}/stores/{slug}/calendars/{calendar_id}/hours", json=hours, headers=headers)
    assert put.status_code == 200, put.text
    body = {"name": "Haircut", "description": "Wash and cut", "duration_minutes": 30,
            "min_persons": 1, "max_persons": max_persons, "price_type": price_type,
            "base_price_amount": price, "calendar_ids": [calendar_id]}
    if capacity is not None:
        body["capacity_persons"] = capacity
    svc = api.post(f"{V1}/stores/{slug}/services", json=body, headers=headers)
    assert svc.status_code == 201, svc.text
    return Offer(calendar_id=calendar_id, service_id=svc.json()["id"])


def local_start(day: date, hour: int, minute: int = 0) -> str:
    """An ISO 8601 instant with the Athens offset of that day."""
    from datetime import datetime

    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Athens")).isoformat()


def new_client(email: str, **over) -> dict:
    details = {"first_name": "Nikos", "last_name": "Papas", "age": 41, "email": email, "phone": "6971112233",
               "address": "Patision 10, Athens", "password": "client-password"}
    details.update(over)
    return details


def book_new_client(api: TestClient, slug: str, service_id: int, start: str, email: str, key: str | None = None,
                    **over):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(f"{V1}/stores/{slug}/bookings", headers=headers,
                    json={"service_id": service_id, "start": start, "persons": 1,
                          "client": new_client(email, **over)})
