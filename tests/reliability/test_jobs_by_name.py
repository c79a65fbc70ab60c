"""Jobs queued by name (workers/jobs.py) reach the actors they name, and the after-commit
hand-offs are connected wherever bookings are made: by the web app and by the worker entry."""

from __future__ import annotations

import workers.actors  # noqa: F401  (declares every actor, as a worker process does)
from hub_app.api.app import create_api
from hub_app.domain.calendar_sync import booking_hook
from hub_app.domain.notifications import outbox
from hub_app.domain.outbound_webhooks import events
from workers import jobs
from workers.broker import broker

JOBS = [value for value in vars(jobs).values() if isinstance(value, jobs.Job)]


def test_every_job_names_an_actor_of_the_workers_on_its_queue():
    assert len(JOBS) == 8
    for job in JOBS:
        assert broker.get_actor(job.actor).queue_name == job.queue, job
    assert set(jobs.INBOX_APPLIERS.values()) <= set(JOBS)


def test_a_job_sent_by_name_is_the_message_the_actor_itself_would_send():
    by_name = jobs.send(jobs.DELIVER_WEBHOOK, 41)
    by_actor = broker.get_actor("deliver_webhook").send(41)
    for message in (by_name, by_actor):
        assert (message.queue_name, message.actor_name, message.args, message.kwargs) == (
            "webhooks", "deliver_webhook", (41,), {})
    broker.flush("webhooks")


def test_the_web_app_connects_the_after_commit_hand_offs(monkeypatch):
    for module in (outbox, booking_hook, events):
        monkeypatch.setattr(module, "_enqueuer", None)
    create_api()
    assert outbox._enqueuer is jobs.send_notifications
    assert booking_hook._enqueuer is jobs.push_calendars
    assert events._enqueuer is jobs.deliver_webhooks
