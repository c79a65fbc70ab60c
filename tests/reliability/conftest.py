"""Fault tests: real app and worker processes on private services that the test may break.

Redis and (where a test restarts it) PostgreSQL are private instances on spare ports
(bench/procs.py), so stopping them never disturbs the shared servers. Other tests use a fresh
database on the shared PostgreSQL, which they only create and drop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from bench.procs import (
    ApiServer,
    PrivatePostgres,
    PrivateRedis,
    WorkerProcess,
    app_environment,
    migrate,
)
from hub_app import db as hub_db
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import booking_day, local_start, new_client, open_service, world  # noqa: F401 (fixture)
from tests.conftest import IN_CI, _create_postgres_database, without_free_plan_limits
from tests.factories import PASSWORD, make_store
from tests.notifications.conftest import fake_easysms  # noqa: F401 (fixture)
from tests.notifications.fake_easysms import FakeEasySms

STRIPE_SECRET = "whsec_reliability_tests"
DLR_TOKEN = "dlr-reliability-7c1e9a42b5d3"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/reliability/" in item.nodeid:
            item.add_marker(pytest.mark.reliability)


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability: fault tests with app, worker and service processes")


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    try:
        cluster = PrivatePostgres().init().start()
    except Exception as exc:  # no server binaries: fail in CI, explain on a laptop
        if IN_CI:
            raise
        pytest.skip(f"cannot run a private PostgreSQL: {exc}")
    yield cluster
    cluster.destroy()


@pytest.fixture
def shared_pg_database(postgres_server) -> Iterator[str]:
    """A fresh database on the shared PostgreSQL (created, migrated, dropped)."""
    url, drop = _create_postgres_database(postgres_server)
    try:
        yield url
    finally:
        hub_db.reset_engine_cache()
        drop()


@dataclass
class Stack:
    """The processes of one test and what they share."""

    env: dict[str, str]
    database_url: str
    engine: sa.Engine
    api: ApiServer | None = None
    workers: list[WorkerProcess] | None = None

    def client(self, server: ApiServer | None = None, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=(server or self.api).url, **{"timeout": 30, **kwargs})


def stack_environment(database_url: str, redis_url: str | None, fake: FakeEasySms | None, tmp_path,
                      **extra: str) -> dict[str, str]:
    providers = {}
    if fake is not None:
        providers = dict(EASYSMS_API_KEY=fake.api_key, EASYSMS_SENDER="HubSalon", EASYSMS_API_BASE=fake.base_url,
                         EASYSMS_CALLBACK_TOKEN=DLR_TOKEN)
    settings = dict(SQLITE_PATH=str(tmp_path / "unused.db"), UPLOAD_DIR=str(tmp_path / "uploads"),
                    STRIPE_WEBHOOK_SECRET=STRIPE_SECRET, HUB_NOTIFICATION_TICK_SECONDS="1",
                    HUB_CALENDLY_SYNC_SECONDS="0", PUBLIC_BASE_URL="http://127.0.0.1:9")
    return app_environment(database_url, redis_url, **{**settings, **providers, **extra})


@pytest.fixture
def make_stack(tmp_path) -> Iterator:
    """Build a stack: migrate the database, start the API server and N workers; stop all after."""
    stacks: list[Stack] = []

    def build(database_url: str, redis_url: str | None, *, fake: FakeEasySms | None = None, workers: int = 1,
              api: bool = True, worker_options: dict | None = None, **extra: str) -> Stack:
        env = stack_environment(database_url, redis_url, fake, tmp_path, **extra)
        migrate(env)
        without_free_plan_limits(database_url)  # these stores have no plan, and send SMS
        stack = Stack(env=env, database_url=database_url, engine=hub_db.make_engine(database_url), workers=[])
        stacks.append(stack)
        if api:
            stack.api = ApiServer(env, log_dir=tmp_path).start()
        for _ in range(workers):
            stack.workers.append(WorkerProcess(env, log_dir=tmp_path).start(**(worker_options or {})))
        return stack

    yield build
    for stack in stacks:
        for worker in stack.workers or []:
            worker.stop()
        if stack.api is not None:
            stack.api.stop()
        stack.engine.dispose()


@dataclass(frozen=True)
class Shop:
    slug: str
    store_id: int
    manager_email: str
    calendar_id: int
    service_id: int


def open_shop(stack: Stack, slug: str = "reliable-salon") -> Shop:
    """A store with a manager (domain), one calendar open every day and a service (API)."""
    with hub_db.unit_of_work(TenantContext.system(), stack.engine) as db:
        store, manager = make_store(db, slug, timezone="Europe/Athens")
        store_id, manager_email = store.id, manager.email
    with stack.client() as http:
        token = http.post("/api/v1/auth/token", json={"email": manager_email, "password": PASSWORD})
        assert token.status_code == 200, token.text
        offer = open_service(http, slug, {"Authorization": f"Bearer {token.json()['access_token']}"})
    return Shop(slug, store_id, manager_email, offer.calendar_id, offer.service_id)


SLOTS_PER_DAY = 16  # 09:00-17:00 in 30-minute steps


def booking_body(shop: Shop, slot: int, email: str, first_day: int = 7) -> dict:
    """A booking of the `slot`-th free half hour from `first_day` days ahead, registering `email`."""
    day, index = divmod(slot, SLOTS_PER_DAY)
    start = local_start(booking_day(first_day + day), 9 + index // 2, 30 * (index % 2))
    return {"service_id": shop.service_id, "start": start, "persons": 1, "client": new_client(email)}


def query(stack: Stack, sql: str, **params) -> list[sa.Row]:
    """Read as the tables' owner (no row-level security): what is really in the database."""
    owner = sa.create_engine(stack.database_url)
    try:
        with owner.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        owner.dispose()

