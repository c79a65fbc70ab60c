"""Fixtures: two stores with managers and a client, the API on a real port, local receivers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.outbound_webhooks import events
from hub_app.domain.tenancy import TenantContext
from tests.factories import PASSWORD, make_client, make_store
from tests.outbound_webhooks.receiver import Receiver

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the API server did not start"
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    server.should_exit = True
    thread.join(10)


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
