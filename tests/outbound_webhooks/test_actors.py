"""The queue side: a committed change enqueues its deliveries, a worker sends them; the tick
sends what no message carries (the queue was down at commit)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import workers.webhook_actors as actors
from workers import jobs
from tests.private_broker import private_broker, running_worker
from hub_app import db as hub_db
from hub_app.domain.outbound_webhooks import events
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, WebhookDelivery
from hub_app.domain.tenancy import TenantContext
from tests.api.conftest import book_new_client, booking_day, local_start, open_service
from tests.outbound_webhooks.conftest import V1, bearer


@pytest.fixture
def stub_broker(monkeypatch):
    monkeypatch.setattr(events, "_enqueuer", jobs.deliver_webhooks)
    with private_broker(monkeypatch, (actors.deliver_webhook, actors.webhook_tick)) as broker:
        yield broker


@pytest.fixture
def worker(stub_broker):
    with running_worker(stub_broker) as worker:
        yield worker


def statuses() -> list[DeliveryStatus]:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        return [d.status for d in db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_commit_enqueues_and_the_worker_sends(live_api, stores, receiver, stub_broker, worker):
    manager = bearer(live_api, stores.manager_a)
    made = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-endpoints",
                         json={"url": receiver.url, "event_types": ["booking.created"]}, headers=manager).json()
    receiver.secret = made["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "q@example.com")
    # The API server runs in this process: its commit queued the delivery on the stub broker.
    stub_broker.join(actors.QUEUE, fail_fast=True)
    worker.join()
    assert statuses() == [DeliveryStatus.SUCCEEDED]
    assert len(receiver.requests) == 1 and receiver.requests[0].signature_ok


def test_the_tick_sends_what_the_queue_missed(live_api, stores, receiver, stub_broker, worker, monkeypatch):
    def queue_down(ids):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(events, "_enqueuer", queue_down)
    manager = bearer(live_api, stores.manager_a)
    made = live_api.post(f"{V1}/stores/{stores.slug_a}/webhook-endpoints",
                         json={"url": receiver.url, "event_types": ["booking.created"]}, headers=manager).json()
    receiver.secret = made["secret"]
    offer = open_service(live_api, stores.slug_a, manager)
    answer = book_new_client(live_api, stores.slug_a, offer.service_id, local_start(booking_day(), 10), "r@example.com")
    assert answer.status_code == 201, "the booking stands though the queue is down"
    assert statuses() == [DeliveryStatus.PENDING]
    actors.webhook_tick.send()
    stub_broker.join(actors.QUEUE, fail_fast=True)
    worker.join()
    assert statuses() == [DeliveryStatus.SUCCEEDED] and len(receiver.requests) == 1
