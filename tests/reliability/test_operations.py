"""Operations endpoints: /ready (database and Redis) and /metrics (requests, latency, bookings,
webhook lag, queue depth, notification failures)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import dramatiq
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from fastapi.testclient import TestClient

from hub_app import db as hub_db
from hub_app.api.app import create_api
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.observability import metrics as hub_metrics
from hub_app.security.config import reset_security_settings_cache
from hub_app.settings import reset_settings_cache
from tests.api.conftest import (
    bearer,
    book_new_client,
    booking_day,
    local_start,
    open_service,
)
from tests.factories import make_client, make_store


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format (labels in any order), or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if line.split("{")[0].split(" ")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture(autouse=True)
def fresh_state_cache():
    hub_metrics.forget_cached_state()  # each test reads the database afresh
    yield


def test_ready_checks_the_database_and_redis(committed_engine, monkeypatch):
    with TestClient(create_api()) as client:
        assert client.get("/ready").json() == {"database": "ok", "redis": "not configured"}
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    reset_settings_cache()
    with TestClient(create_api()) as client:
        down = client.get("/ready")
        assert down.status_code == 503 and down.json()["database"] == "ok"
        assert down.json()["redis"].startswith("error")


def test_metrics_count_requests_by_route_template_and_bookings(committed_engine, world):
    client = TestClient(create_api())
    before = client.get("/metrics").text
    offer = open_service(client, world.slug_a, bearer(client, world.manager_a_email))
    day = booking_day()
    made = [book_new_client(client, world.slug_a, offer.service_id, local_start(day, 9 + i), f"m{i}@example.com")
            for i in range(2)]
    assert [m.status_code for m in made] == [201, 201]
    client_auth = bearer(client, "m0@example.com", "client-password")
    assert client.post(f"/api/v1/bookings/{made[0].json()['id']}/cancel", headers=client_auth).status_code == 200
    client.get("/api/v1/stores/no-such-store")
    text = client.get("/metrics").text
    route = "/api/v1/stores/{slug}/bookings"

    def grew(name: str, **labels: str) -> float:
        return (sample(text, name, **labels) or 0) - (sample(before, name, **labels) or 0)

    assert grew("hub_http_requests_total", method="POST", route=route, status="201") == 2
    assert grew("hub_http_requests_total", method="GET", route="/api/v1/stores/{slug}", status="404") == 1
    assert grew("hub_http_request_duration_seconds_count", method="POST", route=route) == 2
    assert grew("hub_bookings_created_total", status="confirmed") == 2
    assert grew("hub_bookings_cancelled_total") == 1
    assert "alpha-salon" not in text  # label values are templates, never the concrete path


def test_metrics_report_webhook_lag_failed_notifications_and_queue_depth(committed_engine, redis_server, monkeypatch):
    namespace = f"hub-metrics-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_URL", redis_server)
    monkeypatch.setenv("HUB_QUEUE_NAMESPACE", namespace)
    reset_settings_cache()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store, _ = make_store(db)
        client = make_client(db)
        db.add(WebhookEvent(provider="stripe", event_id="evt_old", event_type="x", payload="{}",
                            received_at=utcnow() - timedelta(minutes=10)))
        db.add(WebhookEvent(provider="stripe", event_id="evt_new", event_type="x", payload="{}"))
        for i, status in enumerate((NotificationStatus.FAILED, NotificationStatus.FAILED, NotificationStatus.SENT)):
            db.add(Notification(store_id=store.id, recipient_user_id=client.id, type=Channel.SMS,
                                kind=NotificationKind.MANUAL, body="x", status=status, dedupe_key=f"m{i}"))
    broker = RedisBroker(url=redis_server, namespace=namespace)
    try:
        for _ in range(3):
            broker.enqueue(dramatiq.Message(queue_name="notifications", actor_name="send_notification",
                                            args=(1,), kwargs={}, options={}))
        with TestClient(create_api()) as http:
            text = http.get("/metrics").text
    finally:
        broker.flush_all()
        broker.close()
        reset_settings_cache()
        # flush_all leaves the heartbeats and the keys the app's own broker made: drop the namespace.
        leftover = redis.Redis.from_url(redis_server)
        keys = list(leftover.scan_iter(f"{namespace}*"))
        if keys:
            leftover.delete(*keys)
        leftover.close()
    assert 595 <= sample(text, "hub_webhook_lag_seconds", provider="stripe") < 700
    assert sample(text, "hub_webhook_unprocessed", provider="stripe") == 2
    assert sample(text, "hub_webhook_lag_seconds", provider="calendly") == 0
    assert sample(text, "hub_notifications", status="failed") == 2
    assert sample(text, "hub_queue_depth", queue="notifications") == 3
    assert sample(text, "hub_queue_depth", queue="stripe") == 0
    assert sample(text, "hub_dependency_up", dependency="database") == 1
    assert sample(text, "hub_dependency_up", dependency="redis") == 1


def test_metrics_can_require_a_token(committed_engine, monkeypatch):
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret")
    reset_security_settings_cache()
    try:
        with TestClient(create_api()) as client:
            assert client.get("/metrics").status_code == 401
            assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
            ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
            assert ok.status_code == 200 and "hub_http_requests_total" in ok.text
    finally:
        reset_security_settings_cache()
