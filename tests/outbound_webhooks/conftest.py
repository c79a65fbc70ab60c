"""Fixtures: two stores with managers and a client, the API on a real port, local receivers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from hub_app import db as hub_db
from hub_app.domain.outbound_webhooks import events
from hub_app.domain.tenancy import TenantContext
from tests.factories import PASSWORD, make_client, make_store
from tests.outbound_webhooks.receiver import Receiver
from tests.live_api import serve_api

V1 = "/api/v1"


@dataclass(frozen=True)
class Stores:
    slug_a: str
    slug_b: str
    store_a_id: int
    store_b_id: int
    manager_a: str
    manager_b: str
    client_email: str


@pytest.fixture
def stores(committed_engine) -> Stores:
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        a, manager_a = make_store(db, "alpha-salon", name="Alpha Salon", timezone="Europe/Athens")
        b, manager_b = make_store(db, "beta-salon", name="Beta Salon", timezone="Europe/Athens")
        client = make_client(db, email="eleni@example.com")
        return Stores(a.slug, b.slug, a.id, b.id, manager_a.email, manager_b.email, client.email)


@pytest.fixture
def live_api(committed_engine) -> Iterator[httpx.Client]:
    """The API app served by uvicorn on a free port, and an HTTP client pointed at it."""
    with serve_api() as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Delivery ids handed to the queue after commit (the worker's enqueuer is replaced)."""
    seen: list[int] = []
    monkeypatch.setattr(events, "_enqueuer", seen.extend)
    return seen


def bearer(api: httpx.Client, email: str) -> dict[str, str]:
    response = api.post(f"{V1}/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
