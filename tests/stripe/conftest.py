"""Fixtures for the Stripe tests: the fake Stripe server, the app's settings pointing at it, the
webhook endpoint (in-process, or on a real port for browser tests) and a Dramatiq worker."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import dramatiq

from workers.broker import stop_worker
import dramatiq.errors
import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.stripe.fake_stripe import FakeStripe
from tests.stripe.helpers import PaidShop, make_paid_shop

SECRET_KEY = "sk_test_fake_platform"
WEBHOOK_SECRET = "whsec_platform_test"
CONNECT_SECRET = "whsec_connect_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    """A fresh fake Stripe on a free port (no webhook target until a fixture sets one)."""
    fake = FakeStripe(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET,
                      connect_webhook_secret=CONNECT_SECRET).start()
    yield fake
    fake.stop()


def webhook_app():
    """Only our Stripe webhook route, mounted where the app mounts it (/webhooks/stripe)."""
    from fastapi import FastAPI

    from hub_app.api.webhooks.stripe import router

    app = FastAPI()
    app.include_router(router, prefix="/webhooks")
    return app


def stripe_settings(monkeypatch, fake: FakeStripe, public_url: str = "http://127.0.0.1:3000") -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", fake.secret_key)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", fake.webhook_secret)
    monkeypatch.setenv("STRIPE_CONNECT_WEBHOOK_SECRET", fake.connect_webhook_secret)
    monkeypatch.setenv("STRIPE_API_BASE", fake.url)
    monkeypatch.setenv("PUBLIC_BASE_URL", public_url)
    reset_settings_cache()


@pytest.fixture
def stripe_env(committed_engine, fake_stripe, monkeypatch) -> FakeStripe:
    """Real commits, settings pointing at the fake, webhooks posted through our ASGI app."""
    from starlette.testclient import TestClient

    stripe_settings(monkeypatch, fake_stripe)
    client = TestClient(webhook_app())

    def post(body: bytes, headers: dict[str, str]) -> int:
        return client.post("/webhooks/stripe", content=body, headers=headers).status_code

    fake_stripe.webhook_target = post
    yield fake_stripe
    reset_settings_cache()


@pytest.fixture
def worker(stripe_env) -> Iterator[Callable[[], None]]:
    """A Dramatiq worker on the process broker; calling the fixture runs every queued Stripe job."""
    from workers.broker import broker
    from workers.stripe_actors import QUEUE

    broker.flush_all()
    stripe_worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    stripe_worker.start()

    def drain(timeout_ms: int = 20_000) -> None:
        """Deliver pending webhooks and run the jobs they enqueue, until both are quiet."""
        while True:
            stripe_env.wait_idle()
            try:
                broker.join(QUEUE, fail_fast=True, timeout=timeout_ms)
            except dramatiq.errors.QueueJoinTimeout:
                # Still retrying: show why (the inbox keeps every failed attempt's error).
                with hub_db.unit_of_work(TenantContext.system()) as db:
                    failing = [(e.event_type, e.attempts, e.last_error) for e in db.scalars(
                        select(WebhookEvent).where(WebhookEvent.last_error.is_not(None)))]
                raise AssertionError(f"Stripe jobs did not finish: {failing}") from None
            stripe_worker.join()
            if stripe_env.idle:
                return

    yield drain
    stop_worker(stripe_worker)
    broker.flush_all()


@pytest.fixture
def fake_stripe_server() -> Iterator[FakeStripe]:
    """A running fake Stripe for browser tests, which run the whole app in its own process.

    Start the app with the environment from `fake.app_env()`, then set
    `fake.webhook_target = f"{app_url}/webhooks/stripe"`. The page redirects the client to
    `session.url` (the fake's hosted checkout); its Pay button (#pay) completes the session,
    posts the signed checkout.session.completed + payment_intent.succeeded to the app and
    redirects to the session's success_url.
    """
    fake = FakeStripe(secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET,
                      connect_webhook_secret=CONNECT_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def webhook_server(stripe_env) -> Iterator[str]:
    """Our webhook route on a real port (uvicorn): the fake delivers to it over HTTP."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(webhook_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    stripe_env.webhook_target = f"http://127.0.0.1:{port}/webhooks/stripe"
    yield stripe_env.webhook_target
    server.should_exit = True
    thread.join(timeout=10)


# --- data -----------------------------------------------------------------------------------------


@pytest.fixture
def shop(stripe_env, worker) -> PaidShop:
    """A payment-enabled store, onboarded on the fake, with a €40 service (advance €10) and a client."""
    return make_paid_shop(stripe_env, worker)
