"""Failed webhook applications are counted once per attempt, for every provider, and are given up
after their provider's last allowed attempt: then neither the inbox sweep, nor the notification
tick, nor a message still queued applies them again. The tick finds EasySMS reports whatever the
other providers' backlog.

The actors run in this process (called directly, as a worker would run them); what they enqueue
stays in the in-memory broker, where the tests read it.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import iter_queue
from sqlalchemy import insert

from hub_app import db as hub_db
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import make_store
from workers.broker import broker
from workers.calendly_actors import apply_calendly_event
from workers.inbox_sweep import GRACE, sweep_inbox
from workers.notification_actors import notification_tick, process_easysms_report
from workers.stripe_actors import process_stripe_event

SYSTEM = TenantContext.system()
# provider -> the actor that applies one of its rows (what the sweep or the tick sends)
APPLIERS = {"stripe": process_stripe_event, "calendly": apply_calendly_event, "easysms": process_easysms_report}
BROKEN = "{not json"  # a recorded payload whose application raises, every time


@pytest.fixture
def queued(committed_engine):
    """Take the ids sent to an actor from the process's in-memory broker (emptied around the test)."""
    assert isinstance(broker, StubBroker)
    broker.flush_all()

    def take(actor: dramatiq.Actor) -> list[int]:
        ids = []
        for data in iter_queue(broker.queues[actor.queue_name]):
            broker.queues[actor.queue_name].task_done()
            message = dramatiq.Message.decode(data)
            if message.actor_name == actor.actor_name:
                ids.append(message.args[0])
        return ids

    yield take
    broker.flush_all()


def record(provider: str, payload: str = BROKEN, *, age: timedelta = timedelta(0)) -> int:
    with hub_db.unit_of_work(SYSTEM) as db:
        store_id = make_store(db)[0].id if provider == "calendly" else None  # Calendly rows name their store
        event, _ = inbox.record_event(db, provider=provider, event_id=uuid.uuid4().hex, event_type="test",
                                      payload=payload, store_id=store_id)
        event.received_at = utcnow() - age
        return event.id


def load(event_id: int) -> WebhookEvent:
    with hub_db.unit_of_work(SYSTEM) as db:
        return db.get(WebhookEvent, event_id)


def fail(provider: str, event_id: int, times: int) -> None:
    """Run the provider's actor on the row `times` times; every attempt raises."""
    for _ in range(times):
        with pytest.raises(ValueError):
            APPLIERS[provider](event_id)


@pytest.mark.parametrize("provider", sorted(APPLIERS))
def test_each_failed_attempt_is_counted_once_and_the_last_one_gives_the_row_up(committed_engine, provider):
    event_id = record(provider)
    for attempt in (1, 2, 3):
        fail(provider, event_id, 1)
        row = load(event_id)
        assert (row.status, row.attempts) == (InboxStatus.FAILED, attempt)
        assert row.last_error.startswith("JSONDecodeError:")
    fail(provider, event_id, inbox.max_attempts(provider) - 3)
    assert load(event_id).attempts == inbox.max_attempts(provider)
    # A message still queued (a retry, a duplicate) finds the row given up: no further attempt.
    APPLIERS[provider](event_id)
    row = load(event_id)
    assert (row.status, row.attempts) == (InboxStatus.FAILED, inbox.max_attempts(provider))
    assert row.last_error.startswith("JSONDecodeError:")


def test_the_sweep_sends_lost_deliveries_but_never_given_up_ones(queued):
    lost = {provider: record(provider, age=GRACE * 2) for provider in ("stripe", "calendly")}
    given_up = {provider: record(provider) for provider in ("stripe", "calendly")}
    for provider, event_id in given_up.items():
        fail(provider, event_id, inbox.max_attempts(provider))
        with hub_db.unit_of_work(SYSTEM) as db:
            db.get(WebhookEvent, event_id).received_at = utcnow() - GRACE * 3
    sweep_inbox()
    assert queued(process_stripe_event) == [lost["stripe"]]
    assert queued(apply_calendly_event) == [lost["calendly"]]


def test_the_tick_resends_a_failing_report_until_its_last_attempt_and_then_stops(queued):
    report = record("easysms")
    sends = 0
    for _ in range(inbox.max_attempts("easysms") + 5):
        notification_tick()
        sent = queued(process_easysms_report)
        if not sent:
            break
        assert sent == [report]
        sends += 1
        with pytest.raises(ValueError):
            process_easysms_report(report)
    assert sends == inbox.max_attempts("easysms") == load(report).attempts
    assert load(report).status == InboxStatus.FAILED


def test_the_tick_finds_reports_behind_other_providers_backlogs_and_given_up_reports(queued):
    old = utcnow() - timedelta(hours=1)
    backlog = [dict(provider=provider, event_id=f"{provider}-{i}", event_type="x", payload="{}",
                    status=status, attempts=attempts, received_at=old + timedelta(seconds=i))
               for i in range(600)
               for provider, status, attempts in (("stripe", InboxStatus.RECEIVED, 0),
                                                  ("calendly", InboxStatus.FAILED, 1),
                                                  ("easysms", InboxStatus.FAILED, inbox.max_attempts("easysms")))]
    with hub_db.unit_of_work(SYSTEM) as db:
        db.execute(insert(WebhookEvent.__table__), backlog)
    report = json.dumps({"msgid": "4711", "status": "d"})
    new, retried = record("easysms", report), record("easysms", report.replace("4711", "4712"))
    with hub_db.unit_of_work(SYSTEM) as db:
        db.get(WebhookEvent, retried).status, db.get(WebhookEvent, retried).attempts = InboxStatus.FAILED, 3
    notification_tick()
    assert sorted(queued(process_easysms_report)) == sorted([new, retried])
