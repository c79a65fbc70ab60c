"""The multi-host reference deployment (deploy/stack.py) under a browser session and four faults.

One stack for the module, on free ports in a folder of its own (a `make stack` running beside it
is not touched): haproxy -> app-1, app-2 (production builds) -> pgbouncer (transaction mode) ->
PostgreSQL primary with a synchronous streaming replica; Redis; two Dramatiq workers; the local
EasySMS and SMTP fakes as the providers. The tests run in file order and build on each other,
as an operator's day would: a browser session served by both instances, then an app instance
killed, a worker killed, pgbouncer restarted and the replica promoted, each while clients keep
booking (every failed attempt retried with its Idempotency-Key, as a client should). Each fault
must lose no booking and make none twice; at the end every message of every booking was
delivered exactly once.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from bench.procs import free_port
from deploy.stack import Ports, ReferenceStack
from deploy.services import wait_for
from hub_app import db as hub_db
from hub_app.domain.notifications.dispatch import LEASE
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.api.conftest import booking_day, local_start, new_client, open_service
from tests.browser.conftest import browser  # noqa: F401 (fixture)
from tests.factories import PASSWORD, make_store
from tests.notifications.conftest import CapturingHandler
from tests.notifications.fake_easysms import FakeEasySms

pytestmark = pytest.mark.stack

BOOKINGS_PER_FAULT = 16
SLOTS_PER_DAY = 16  # 09:00-17:00 in 30-minute steps


@dataclass
class Shop:
    slug: str
    service_id: int
    name: str


@dataclass
class Deployment:
    stack: ReferenceStack
    sms: FakeEasySms
    mail: CapturingHandler
    shop: Shop | None = None
    booked: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> booking id
    next_slot: int = 0

    def query(self, sql: str, **params) -> list[sa.Row]:
        """What is in the database (as the owner, on whichever node is the primary now)."""
        engine = sa.create_engine(self.stack.owner_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(sql), params))
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    sms = FakeEasySms(balance=10**6).start()
    mail = CapturingHandler()
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    smtp.start()
    root = Path(tempfile.mkdtemp(prefix="hub-stack-"))
    root.chmod(0o755)  # the postgres OS user runs PostgreSQL and PgBouncer in here
    ports = Ports(lb=free_port(), apps=[free_port(), free_port()], pgbouncer=free_port(), primary=free_port(),
                  replica=free_port(), redis=free_port())
    stack = ReferenceStack(root / "stack", ports, extra_env=dict(
        EASYSMS_API_KEY=sms.api_key, EASYSMS_SENDER="HubSalon", EASYSMS_API_BASE=sms.base_url,
        EASYSMS_CALLBACK_TOKEN="dlr-stack-5b2e8c7d1a9f", SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port),
        SMTP_STARTTLS="false", SMTP_FROM="Salon Hub <bookings@hub.example>", RATE_LIMIT_ENABLED="false",
        HUB_NOTIFICATION_TICK_SECONDS="1", HUB_CALENDLY_SYNC_SECONDS="0"))
    try:
        stack.up(seed=False, say=lambda line: None)
        yield Deployment(stack, sms, mail)
    except Exception:
        for log in sorted((root / "stack" / "logs").glob("*.log")):
            print(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        raise
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)
        smtp.stop()
        sms.stop()
        reset_settings_cache()


@pytest.fixture(scope="module")
def shop(deployment: Deployment) -> Shop:
    """A store (made as the system, with the stack's key) with a manager, a calendar and a service
    made through the balancer."""
    stack = deployment.stack
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_SECRET_KEY", stack.secret)
        reset_settings_cache()
        engine = hub_db.make_engine(stack.owner_url)
        try:
            with hub_db.unit_of_work(TenantContext.system(), engine) as db:
                store, manager = make_store(db, "stack-salon", timezone="Europe/Athens")
                name, email = store.name, manager.email
        finally:
            engine.dispose()
    reset_settings_cache()
    # The stores of these tests have no plan: nothing limits their SMS.
    owner = sa.create_engine(stack.owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text("UPDATE subscription_plan SET is_free = false WHERE is_free"))
    owner.dispose()
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        token = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert token.status_code == 200, token.text
        offer = open_service(http, "stack-salon", {"Authorization": f"Bearer {token.json()['access_token']}"})
    deployment.shop = Shop("stack-salon", offer.service_id, name)
    return deployment.shop


def book_through(deployment: Deployment, fault: Callable[[], None], label: str) -> dict[str, int]:
    """BOOKINGS_PER_FAULT bookings by 4 clients through the balancer, `fault` played after the
    first quarter; every attempt that fails (connection error, 5xx) is retried with its key."""
    shop = deployment.shop
    first = deployment.next_slot
    deployment.next_slot += BOOKINGS_PER_FAULT
    keys = [f"{label}-{uuid.uuid4().hex[:8]}-{n}" for n in range(BOOKINGS_PER_FAULT)]
    results: dict[str, int] = {}
    problems: list[str] = []
    started = threading.Event()
    lock = threading.Lock()

    def body(slot: int, key: str) -> dict:
        day, index = divmod(slot, SLOTS_PER_DAY)
        start = local_start(booking_day(7 + day), 9 + index // 2, 30 * (index % 2))
        return {"service_id": shop.service_id, "start": start, "persons": 1,
                "client": new_client(f"{key}@example.com")}

    def client(worker: int) -> None:
        with httpx.Client(base_url=deployment.stack.url, timeout=30) as http:
            for n in range(worker, BOOKINGS_PER_FAULT, 4):
                key = keys[n]
                deadline = time.monotonic() + 120
                while True:
                    try:
                        answer = http.post(f"/api/v1/stores/{shop.slug}/bookings", json=body(first + n, key),
                                           headers={"Idempotency-Key": key})
                        if answer.status_code in (200, 201):
                            with lock:
                                results[key] = answer.json()["id"]
                            break
                        if answer.status_code < 500:
                            problems.append(f"{key}: {answer.status_code} {answer.text[:200]}")
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        problems.append(f"{key}: no booking within 120 s")
                        break
                    time.sleep(0.3)
                if n >= BOOKINGS_PER_FAULT // 4:
                    started.set()

    threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    started.wait(120)
    fault()
    for thread in threads:
        thread.join(300)
    assert not problems, problems
    assert len(results) == BOOKINGS_PER_FAULT and len(set(results.values())) == BOOKINGS_PER_FAULT
    # In the database: one booking per client (key), none lost, none twice.
    rows = deployment.query(
        "SELECT u.email, count(b.id) FROM app_user u LEFT JOIN booking b ON b.client_user_id = u.id"
        " WHERE u.email LIKE :pattern GROUP BY u.email", pattern=f"{label}-%")
    assert sorted(rows) == sorted((f"{key}@example.com", 1) for key in keys)
    deployment.booked.update(results)
    return results


def served_by(deployment: Deployment, requests: int = 6) -> set[str]:
    return {httpx.get(deployment.stack.url + "/ready", timeout=5).headers.get("x-served-by")
            for _ in range(requests)}


def test_a_browser_session_is_served_by_both_app_instances(deployment, shop, browser):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    instances: list[str] = []
    sockets: list[str] = []
    page.on("response", lambda response: instances.append(response.headers.get("x-served-by", "")))
    page.on("websocket", lambda socket: sockets.append(socket.url))
    try:
        for path in (f"/{shop.slug}", "/login", f"/{shop.slug}", f"/{shop.slug}/book", f"/{shop.slug}"):
            page.goto(deployment.stack.url + path)
            if path == f"/{shop.slug}":
                # Rendered from the app's state over the websocket: the session works end to end.
                expect(page.locator("#store-name")).to_have_text(shop.name)
                expect(page.locator(".service-card")).to_have_count(1)
    finally:
        context.close()
    assert {"app-1", "app-2"} <= set(instances), instances
    assert sockets and all(url.startswith(deployment.stack.url.replace("http", "ws")) for url in sockets), sockets


def test_the_analytics_replica_is_a_synchronous_streaming_standby(deployment, shop):
    stack = deployment.stack
    assert [tuple(r) for r in deployment.query("SELECT state, sync_state FROM pg_stat_replication")] \
        == [("streaming", "sync")]
    replica = sa.create_engine(stack.replica.url("hub", "hub_tenant"))
    try:
        with replica.connect() as conn:
            from hub_app.read_replica import _LAG

            assert conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar() is True
            assert conn.execute(_LAG).scalar_one() == 0
    finally:
        replica.dispose()


def test_killing_an_app_instance_loses_no_booking(deployment, shop):
    stack = deployment.stack
    book_through(deployment, lambda: stack.apps[0].kill(), "app-killed")
    # The balancer's health check took it out of the rotation; the other instance serves all.
    wait_for(lambda: served_by(deployment) == {"app-2"}, 30, "app-1 out of the rotation")


def test_killing_a_worker_loses_no_message(deployment, shop):
    stack = deployment.stack
    book_through(deployment, lambda: stack.workers[0].kill(), "worker-killed")
    assert not stack.workers[0].alive() and stack.workers[1].alive()


def test_restarting_pgbouncer_loses_no_booking(deployment, shop):
    book_through(deployment, deployment.stack.pgbouncer.restart, "pgbouncer-restarted")


def test_promoting_the_replica_loses_no_booking(deployment, shop):
    stack = deployment.stack
    old_primary_port = stack.primary.port
    book_through(deployment, stack.promote_replica, "replica-promoted")
    assert stack.pgbouncer.primary_port == stack.primary.port != old_primary_port
    # Every booking confirmed before and during the failover is on the new primary.
    found = {row[0] for row in deployment.query("SELECT id FROM booking WHERE id = ANY(:ids)",
                                                ids=list(deployment.booked.values()))}
    assert found == set(deployment.booked.values())
    assert deployment.query("SELECT pg_is_in_recovery()")[0][0] is False


def test_every_message_of_every_booking_was_delivered_once(deployment, shop):
    ids = list(deployment.booked.values())
    assert len(ids) == 4 * BOOKINGS_PER_FAULT

    def settled() -> bool:
        return deployment.query("SELECT count(*) FROM notification WHERE booking_id = ANY(:ids)"
                                " AND status = 'pending'", ids=ids)[0][0] == 0

    # A job the killed worker had taken waits for Dramatiq's redelivery (~1 min); a message it had
    # leased (inside the send) for the lease to end (dispatch.LEASE, 5 min): both then go out once.
    wait_for(settled, LEASE.total_seconds() + 90, "every message sent", interval=1)
    time.sleep(3)  # a duplicate would arrive now
    rows = deployment.query(
        "SELECT booking_id, type, recipient_user_id, kind, status, count(*) FROM notification"
        " WHERE booking_id = ANY(:ids) GROUP BY booking_id, type, recipient_user_id, kind, status", ids=ids)
    assert all(status in ("sent", "delivered") and count == 1 for *_, status, count in rows), rows
    sms = [row for row in rows if row[1] == "sms"]
    email = [row for row in rows if row[1] == "email"]
    assert {row[0] for row in sms} == set(ids)  # every booking confirmed by SMS ...
    assert len(deployment.sms.sent) == len(sms)  # ... each message once at the provider
    assert len(deployment.mail.messages) == len(email)
