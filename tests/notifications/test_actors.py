"""The Dramatiq side: after-commit enqueue, the worker, the tick (reminders + sweeper), delivery
reports through the real webhook, and one run on the real Redis broker."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import dramatiq

from workers.broker import stop_worker
import httpx
import pytest
import redis
import uvicorn
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from fastapi import FastAPI
from sqlalchemy import select

import workers.notification_actors as actors
from workers import jobs
from tests.private_broker import bind_actors as bind_to, private_broker, running_worker
from hub_app import db as hub_db
from hub_app.api import webhooks
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.settings import reset_settings_cache
from tests.factories import make_client, make_store
from tests.notifications.conftest import CALLBACK_TOKEN, free_port, in_days, make_booking

SYSTEM = TenantContext.system()
ACTORS = (actors.send_notification, actors.send_notifications, actors.notification_tick,
          actors.process_easysms_report)


def bind_actors(monkeypatch, broker: dramatiq.Broker) -> None:
    monkeypatch.setattr(outbox, "_enqueuer", jobs.send_notifications)
    bind_to(monkeypatch, broker, ACTORS)


@pytest.fixture
def stub_broker(monkeypatch):
    monkeypatch.setattr(outbox, "_enqueuer", jobs.send_notifications)
    with private_broker(monkeypatch, ACTORS) as broker:
        yield broker


@pytest.fixture
def worker(stub_broker):
    with running_worker(stub_broker) as worker:
        yield worker


def drain(broker: StubBroker, worker: dramatiq.Worker) -> None:
    broker.join(actors.QUEUE, fail_fast=True)
    worker.join()


def book(days: float = 3, **booking_kw) -> tuple[int, dict[Channel, int]]:
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db, reminder_hours_before=24)
        booking = make_booking(db, store, make_client(db), in_days(days), **booking_kw)
        rows = outbox.on_booking_event(db, booking, "confirmed") if booking.status == "confirmed" else []
        return booking.id, {row.type: row.id for row in rows}


def statuses(*ids: int) -> list[NotificationStatus]:
    with hub_db.unit_of_work(SYSTEM) as db:
        return [db.get(Notification, i).status for i in ids]


def test_commit_enqueues_and_the_worker_sends_once(committed_engine, provider_env, fake_easysms, smtp_server,
                                                   stub_broker, worker):
    _, ids = book()
    drain(stub_broker, worker)
    assert statuses(*ids.values()) == [NotificationStatus.SENT, NotificationStatus.SENT]
    # Duplicate messages for the same rows (a redelivery, a sweep racing the enqueue).
    for nid in ids.values():
        actors.send_notification.send(nid)
        actors.send_notification.send(nid)
    drain(stub_broker, worker)
    assert len(fake_easysms.sends()) == 1 and len(smtp_server[1].messages) == 1


def test_a_transactions_messages_are_one_queue_message_and_each_is_sent(committed_engine, provider_env,
                                                                         fake_easysms, smtp_server, stub_broker):
    _, ids = book()
    queued = [dramatiq.Message.decode(data) for data in list(stub_broker.queues[actors.QUEUE].queue)]
    assert [(m.actor_name, m.args) for m in queued] == [("send_notifications", (sorted(ids.values()),))]
    worker = dramatiq.Worker(stub_broker, worker_timeout=100, worker_threads=1)
    worker.start()
    try:
        drain(stub_broker, worker)
        assert statuses(*ids.values()) == [NotificationStatus.SENT, NotificationStatus.SENT]
        actors.send_notifications.send(list(ids.values()))   # the batch again: nothing is sent twice
        drain(stub_broker, worker)
    finally:
        stop_worker(worker)
    assert len(fake_easysms.sends()) == 1 and len(smtp_server[1].messages) == 1


def test_a_message_that_fails_in_its_batch_goes_on_alone(committed_engine, provider_env, fake_easysms,
                                                         smtp_server, stub_broker, worker, monkeypatch):
    _, ids = book()
    real_deliver, failed = actors.dispatch.deliver, []

    def deliver_failing_once(notification_id, **kw):
        if notification_id == ids[Channel.EMAIL] and not failed:
            failed.append(notification_id)
            raise RuntimeError("database went away")
        return real_deliver(notification_id, **kw)

    monkeypatch.setattr(actors.dispatch, "deliver", deliver_failing_once)
    drain(stub_broker, worker)
    drain(stub_broker, worker)             # the failed one, sent again as its own message
    assert failed == [ids[Channel.EMAIL]]
    assert statuses(*ids.values()) == [NotificationStatus.SENT, NotificationStatus.SENT]
    assert len(fake_easysms.sends()) == 1 and len(smtp_server[1].messages) == 1


def test_rollback_enqueues_nothing(committed_engine, provider_env, fake_easysms, stub_broker):
    with pytest.raises(RuntimeError):
        with hub_db.unit_of_work(SYSTEM) as db:
            store, _ = make_store(db)
            outbox.on_booking_event(db, make_booking(db, store, make_client(db), in_days(2)), "confirmed")
            raise RuntimeError("booking failed")
    assert stub_broker.queues[actors.QUEUE].qsize() == 0


def test_queue_outage_at_commit_is_recovered_by_the_tick(committed_engine, provider_env, fake_easysms,
                                                         smtp_server, stub_broker, worker, monkeypatch):
    def queue_down(ids):
        raise redis.ConnectionError("Redis is down")

    monkeypatch.setattr(outbox, "_enqueuer", queue_down)
    _, ids = book()                      # commits fine although nothing could be enqueued
    assert statuses(*ids.values()) == [NotificationStatus.PENDING, NotificationStatus.PENDING]
    monkeypatch.setattr(outbox, "_enqueuer", jobs.send_notifications)
    actors.notification_tick.send()
    drain(stub_broker, worker)
    drain(stub_broker, worker)           # the tick enqueued the sends
    assert statuses(*ids.values()) == [NotificationStatus.SENT, NotificationStatus.SENT]
    assert len(fake_easysms.sends()) == 1


def test_tick_writes_due_reminders_and_sends_them_once(committed_engine, provider_env, fake_easysms, smtp_server,
                                                       stub_broker, worker):
    booking_id, _ = book(days=0.5, created_at=utcnow() - timedelta(days=2))
    for _ in range(2):                    # two workers ticking, or a restart between ticks
        actors.notification_tick.send()
        drain(stub_broker, worker)
        drain(stub_broker, worker)
    with hub_db.unit_of_work(SYSTEM) as db:
        reminders = db.scalars(select(Notification).where(Notification.booking_id == booking_id,
                                                          Notification.kind == NotificationKind.REMINDER)).all()
    assert sorted(r.type for r in reminders) == [Channel.EMAIL, Channel.SMS]
    assert all(r.status == NotificationStatus.SENT for r in reminders)
    # Besides the confirmation: exactly one reminder per channel.
    assert sum(r.params["text"].startswith("Reminder from") for r in fake_easysms.sends()) == 1
    assert sum(m["Subject"].startswith("Reminder:") for m in smtp_server[1].messages) == 1
    assert len(fake_easysms.sends()) == 2 and len(smtp_server[1].messages) == 2


@pytest.fixture
def webhook_server(committed_engine, provider_env, monkeypatch):
    """The webhook routes served over real HTTP, so the fake EasySMS can call back."""
    app = FastAPI()
    app.include_router(webhooks.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    monkeypatch.setenv("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    reset_settings_cache()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_delivery_reports_mark_delivered_and_failed(webhook_server, fake_easysms, smtp_server, stub_broker, worker):
    _, first = book()
    _, second = book()
    drain(stub_broker, worker)
    with hub_db.unit_of_work(SYSTEM) as db:
        msgid_1 = db.get(Notification, first[Channel.SMS]).external_message_id
        msgid_2 = db.get(Notification, second[Channel.SMS]).external_message_id
    assert fake_easysms.sent[msgid_1].callback == f"{webhook_server}/webhooks/easysms/{CALLBACK_TOKEN}"
    assert fake_easysms.report(msgid_1, "d", method="GET").json() == {"received": True, "duplicate": False}
    assert fake_easysms.report(msgid_1, "d", method="POST").json() == {"received": True, "duplicate": True}
    assert fake_easysms.report(msgid_2, "f", method="POST").status_code == 200
    drain(stub_broker, worker)
    assert statuses(first[Channel.SMS], second[Channel.SMS]) == [NotificationStatus.DELIVERED, NotificationStatus.FAILED]
    with hub_db.unit_of_work(SYSTEM) as db:
        events = db.scalars(select(WebhookEvent).where(WebhookEvent.provider == "easysms")).all()
        assert sorted(e.event_id for e in events) == sorted([f"{msgid_1}:d", f"{msgid_2}:f"])
        assert {e.status for e in events} == {InboxStatus.PROCESSED}
        assert db.get(Notification, first[Channel.SMS]).delivered_at is not None
    # A late "failed" never downgrades a delivered message; an unknown msgid is ignored.
    httpx.get(f"{webhook_server}/webhooks/easysms/{CALLBACK_TOKEN}", params={"msgid": msgid_1, "status": "f"})
    httpx.get(f"{webhook_server}/webhooks/easysms/{CALLBACK_TOKEN}", params={"msgid": "999", "status": "d"})
    drain(stub_broker, worker)
    assert statuses(first[Channel.SMS]) == [NotificationStatus.DELIVERED]
    with hub_db.unit_of_work(SYSTEM) as db:
        unknown = db.scalar(select(WebhookEvent).where(WebhookEvent.event_id == "999:d"))
        assert unknown.status == InboxStatus.IGNORED


def test_wrong_or_missing_token_is_404_and_records_nothing(webhook_server, monkeypatch):
    base = f"{webhook_server}/webhooks/easysms"
    assert httpx.get(f"{base}/not-the-token", params={"msgid": "1", "status": "d"}).status_code == 404
    assert httpx.post(f"{base}/{CALLBACK_TOKEN[:-1]}", data={"msgid": "1", "status": "d"}).status_code == 404
    assert httpx.get(f"{base}/{CALLBACK_TOKEN}").status_code == 400
    monkeypatch.delenv("EASYSMS_CALLBACK_TOKEN")
    reset_settings_cache()
    assert httpx.get(f"{base}/{CALLBACK_TOKEN}", params={"msgid": "1", "status": "d"}).status_code == 404
    with hub_db.unit_of_work(SYSTEM) as db:
        assert db.scalars(select(WebhookEvent)).all() == []


def test_real_redis_broker_sends_once(committed_engine, provider_env, fake_easysms, smtp_server, redis_server,
                                      monkeypatch):
    namespace = f"hub-test-{uuid.uuid4().hex[:10]}"
    broker = RedisBroker(url=redis_server, namespace=namespace)
    bind_actors(monkeypatch, broker)
    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=2)
    worker.start()
    try:
        _, ids = book()
        for nid in ids.values():          # duplicates on top of the after-commit enqueue
            actors.send_notification.send(nid)
        deadline = time.monotonic() + 60
        while statuses(*ids.values()) != [NotificationStatus.SENT] * 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        broker.join(actors.QUEUE, timeout=30_000)
        worker.join()
        assert statuses(*ids.values()) == [NotificationStatus.SENT, NotificationStatus.SENT]
        assert len(fake_easysms.sends()) == 1 and len(smtp_server[1].messages) == 1
    finally:
        stop_worker(worker)
        broker.close()
        client = redis.Redis.from_url(redis_server)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_ticker_middleware_enqueues_ticks_only_while_a_worker_runs(stub_broker):
    ticker = actors.NotificationTicker(interval=0.05)
    stub_broker.add_middleware(ticker)
    # The worker consumes another queue, so the ticks stay visible in the notifications queue.
    worker = dramatiq.Worker(stub_broker, queues={"unrelated"}, worker_timeout=100, worker_threads=1)
    worker.start()
    deadline = time.monotonic() + 30
    while stub_broker.queues[actors.QUEUE].qsize() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_worker(worker)
    assert stub_broker.queues[actors.QUEUE].qsize() >= 2
    assert ticker._thread is None
    queued = stub_broker.queues[actors.QUEUE].qsize()
    time.sleep(0.2)
    assert stub_broker.queues[actors.QUEUE].qsize() == queued
