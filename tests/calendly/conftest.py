"""Fixtures for the Calendly tests: the fake Calendly, our app on a real port, a Dramatiq worker."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import dramatiq

from workers.broker import stop_worker
import pytest
import uvicorn
from dramatiq.brokers.stub import StubBroker

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.calendly.fake_calendly import FakeCalendly
from tests.factories import make_store

TOKEN = "pat-test-token-1"


@pytest.fixture
def fake(monkeypatch) -> FakeCalendly:
    server = FakeCalendly(max_page_size=2).start()
    server.add_token(TOKEN)
    monkeypatch.setenv("CALENDLY_API_BASE", server.base_url)
    reset_settings_cache()
    yield server
    server.stop()
    reset_settings_cache()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def _app_server_url() -> str:
    """Our webhooks and API served by uvicorn on a real port, as Calendly would reach them.

    One server for the session: the app reads settings and the engine per request, so each
    test's database and settings apply.
    """
    url = f"http://127.0.0.1:{_free_port()}"
    server = uvicorn.Server(uvicorn.Config(api_app(), host="127.0.0.1", port=int(url.rsplit(":", 1)[1]),
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test app server did not start")
        time.sleep(0.02)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def public_url(_app_server_url, monkeypatch) -> str:
    monkeypatch.setenv("PUBLIC_BASE_URL", _app_server_url)
    reset_settings_cache()
    return _app_server_url


def api_app():
    """The app's /api/v1 and /webhooks, built by the same functions create_api() uses (without /admin)."""
    from fastapi import FastAPI

    from hub_app.api.app import create_v1_app, include_webhooks

    app = FastAPI()
    app.mount("/api/v1", create_v1_app())
    include_webhooks(app)
    return app


@pytest.fixture
def app_server(committed_engine, fake, public_url) -> str:
    return public_url


@pytest.fixture
def _running_worker():
    from workers.broker import broker
    import workers.actors  # noqa: F401  (declares every queue)

    assert isinstance(broker, StubBroker), "tests run without REDIS_URL: the broker must be the StubBroker"
    # Only the Calendly queue: a session-long worker on every queue would also send other
    # tests' notifications behind their backs.
    running = dramatiq.Worker(broker, worker_threads=2, queues={"calendly"})
    running.start()
    yield broker
    stop_worker(running)


@pytest.fixture
def worker(_running_worker):
    """A Dramatiq worker on the in-memory StubBroker, consuming the actors' queues in threads."""
    _running_worker.flush_all()
    yield _running_worker
    _running_worker.flush_all()


def drain(broker) -> None:
    broker.join("calendly", timeout=30_000)


@dataclass
class Shop:
    store_id: int
    slug: str
    manager_id: int
    calendar_id: int
    service_id: int
    tz: ZoneInfo

    def ctx(self) -> TenantContext:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return TenantContext.for_user(db.get(AppUser, self.manager_id))

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock time of the store, as a UTC-aware instant."""
        return datetime.combine(day, dtime(hour, minute), tzinfo=self.tz).astimezone(ZoneInfo("UTC"))


@pytest.fixture
def shop(committed_engine) -> Shop:
    """A store open 09:00-17:00 every day, one chair, one 30-minute service at 25.00."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store, manager = make_store(db, timezone="Europe/Athens")
        store_id, slug, manager_id = store.id, store.slug, manager.id
    with hub_db.unit_of_work(TenantContext.system()) as db:
        ctx = TenantContext.for_user(db.get(AppUser, manager_id))
        calendar = create_calendar(db, ctx, "Chair 1")
        set_weekly_hours(db, ctx, calendar.id, [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)])
        service = create_service(db, ctx, ServiceInput(name="Haircut", duration_minutes=30, price_type="fixed",
                                                       base_price_amount=Decimal("25.00"), calendar_ids=[calendar.id]))
        calendar_id, service_id = calendar.id, service.id
    return Shop(store_id, slug, manager_id, calendar_id, service_id, ZoneInfo("Europe/Athens"))


def future_day(days: int = 10) -> date:
    return date.today() + timedelta(days=days)
