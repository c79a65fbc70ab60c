"""A worker that dies while applying a webhook delivery still uses up that attempt, for every
provider: the attempt is counted and committed before the work starts. After the provider's last
allowed attempt the row is given up ("failed", shown in the admin's inbox) and nothing retries it.

The death is real: a process killed with SIGKILL in the middle of applying, or SystemExit (a
BaseException, as on interpreter shutdown) raised inside the apply step. The counter itself is
never touched by the tests.
"""

from __future__ import annotations

import os
import select as selector
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub_app import db as hub_db
from hub_app.domain.billing import events as stripe_events
from hub_app.domain.calendly import jobs as calendly_jobs
from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.tenancy import TenantContext
from tests.reliability.test_inbox_attempts import APPLIERS, load, queued, record  # noqa: F401 (fixture)
from workers import notification_actors
from workers.inbox_sweep import GRACE, sweep_inbox
from workers.stripe_actors import process_stripe_event

# provider -> (module, name) of the step that applies a row's content, where the worker dies
APPLY_STEP = {
    "stripe": (stripe_events, "apply_event"),
    "calendly": (calendly_jobs, "apply_inbox_event"),
    "easysms": (notification_actors, "apply_delivery_report"),
}


def later_than_in_flight(event_id: int) -> None:
    """Move the row's last attempt back past inbox.IN_FLIGHT, as time passes before a dead
    worker's message comes again (a message arriving sooner is a duplicate of a running attempt)."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(WebhookEvent, event_id).last_attempt_at -= inbox.IN_FLIGHT * 2


def die(*_args, **_kwargs):
    raise SystemExit("the worker process is going away")


@pytest.mark.parametrize("provider", sorted(APPLIERS))
def test_a_worker_dying_mid_apply_uses_the_attempt_and_the_last_one_gives_the_row_up(
        committed_engine, monkeypatch, queued, provider):
    event_id = record(provider, "{}")
    module, name = APPLY_STEP[provider]
    monkeypatch.setattr(module, name, die)
    limit = inbox.max_attempts(provider)
    for attempt in range(1, limit + 1):
        with pytest.raises(SystemExit):
            APPLIERS[provider](event_id)
        row = load(event_id)
        assert (row.status, row.attempts) == (InboxStatus.STARTED, attempt)
        later_than_in_flight(event_id)  # the next message comes after the dead attempt's window

    # The next message (a redelivery, the sweep) finds every attempt used: given up, not applied.
    APPLIERS[provider](event_id)
    row = load(event_id)
    assert (row.status, row.attempts) == (InboxStatus.FAILED, limit)
    assert "given up" in row.last_error
    assert inbox.gave_up(row)
    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(WebhookEvent, event_id).received_at -= GRACE * 2
        db.get(WebhookEvent, event_id).last_attempt_at -= GRACE * 2
    sweep_inbox()
    notification_actors.notification_tick()
    assert queued(APPLIERS[provider]) == []
    APPLIERS[provider](event_id)
    assert load(event_id).attempts == limit


CHILD = textwrap.dedent("""
    import sys, time
    from hub_app.domain.billing import events

    def hang(*args, **kwargs):
        print("applying", flush=True)
        time.sleep(600)

    events.apply_event = hang
    from workers.stripe_actors import process_stripe_event
    process_stripe_event.fn(int(sys.argv[1]))
""")


def peek(engine: sa.Engine, event_id: int) -> tuple[str, int]:
    """Read the row without taking SQLite's write lock, which the hanging worker holds."""
    with engine.connect() as conn:
        status, attempts = conn.execute(sa.text("SELECT status, attempts FROM webhook_event WHERE id = :id"),
                                        {"id": event_id}).one()
    return status, attempts


def test_a_killed_worker_process_counts_its_attempt_and_the_sweep_retries_the_row(committed_engine, owner_engine,
                                                                                    queued):
    event_id = record("stripe", '{"id": "evt_kill", "type": "test.unhandled", "data": {"object": {}}}')
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}   # the in-memory broker
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(event_id)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = selector.select([child.stdout], [], [], 60)
        assert ready and child.stdout.readline().strip() == b"applying", child.stderr.read().decode()
        # Mid-apply: the attempt is already committed, visible from here.
        assert peek(owner_engine, event_id) == ("started", 1)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    row = load(event_id)
    assert (row.status, row.attempts) == (InboxStatus.STARTED, 1)

    sweep_inbox()                                      # within the grace period: left alone
    assert queued(process_stripe_event) == []
    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(WebhookEvent, event_id).last_attempt_at -= GRACE + timedelta(seconds=1)
    sweep_inbox()
    assert queued(process_stripe_event) == [event_id]
    process_stripe_event(event_id)                     # a healthy worker takes it
    row = load(event_id)
    assert (row.status, row.attempts) == (InboxStatus.IGNORED, 2)


@pytest.mark.parametrize("provider", sorted(APPLIERS))
def test_a_second_message_during_a_running_attempt_counts_no_attempt(committed_engine, provider):
    """The sweep racing an enqueue that got through late: two messages for one row. The one that
    arrives while the first attempt runs neither counts an attempt nor applies anything."""
    event_id = record(provider, "{}")
    with hub_db.unit_of_work(TenantContext.system()) as db:
        assert inbox.claim_attempt(db, event_id) is not None  # the first message's attempt, running
    APPLIERS[provider](event_id)  # the second message
    row = load(event_id)
    assert (row.status, row.attempts) == (InboxStatus.STARTED, 1)
