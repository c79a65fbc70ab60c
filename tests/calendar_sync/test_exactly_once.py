"""Exactly once: many booking changes, with the push failing before or after the server acted and
workers dying between writing and recording; after the re-runs, the remote calendar holds one
event per live booking, no duplicate and no orphan. And the actors: a booking's commit queues a
push, the periodic tick syncs, provider errors are retried with backoff."""

from __future__ import annotations

import random
from datetime import timedelta

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.bookings.service import cancel_booking, reschedule_booking
from hub_app.domain.calendar_sync import booking_hook, jobs, outbound
from hub_app.domain.calendar_sync.caldav_client import CaldavPackageClient
from hub_app.domain.calendar_sync.client import CalendarUnavailable
from hub_app.domain.calendar_sync.ics import booking_uid
from hub_app.domain.calendar_sync.models import CalendarConnection
from hub_app.domain.errors import DomainError
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.calendar_sync.events import utc_event
from tests.calendar_sync.test_inbound import connect, future_day, local
from tests.calendar_sync.test_outbound import new_booking, remote_events
from workers.broker import stop_worker


class FlakyClient(CaldavPackageClient):
    """The real client, failing at random before a request is sent or after the server acted
    (the answer lost on the way back, as when a worker dies mid-call)."""

    def __init__(self, *args, rng: random.Random, rate: float):
        super().__init__(*args)
        self.rng, self.rate = rng, rate

    def _maybe_fail(self, call):
        if self.rng.random() < self.rate:
            raise CalendarUnavailable("timed out before sending")
        result = call()
        if self.rng.random() < self.rate:
            raise CalendarUnavailable("timed out after the server acted")
        return result

    def put(self, url, ics, *, etag, create):
        return self._maybe_fail(lambda: super(FlakyClient, self).put(url, ics, etag=etag, create=create))

    def delete(self, url):
        return self._maybe_fail(lambda: super(FlakyClient, self).delete(url))


def live_roots(shop) -> set[str]:
    """The UID each live booking's event must have (its reschedule chain's first booking)."""
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        rows = db.execute(select(Booking.id, Booking.rescheduled_from_id, Booking.status)).all()
    parent = {r.id: r.rescheduled_from_id for r in rows}
    uids = set()
    for r in rows:
        if r.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED):
            root = r.id
            while parent.get(root):
                root = parent[root]
            uids.add(booking_uid(shop.store_id, root))
    return uids


def run_changes(shop, radicale, connection_id: int, changes: int, seed: int) -> dict[str, int]:
    """`changes` random creates/reschedules/cancels, each followed by a push that may fail or die."""
    rng = random.Random(seed)
    url, user, password = radicale.account()
    ctx = shop.manager_ctx()
    live: list[int] = []
    counts = {"create": 0, "reschedule": 0, "cancel": 0, "failed_pushes": 0, "killed_pushes": 0}
    clock = utcnow()
    for step in range(changes):
        action = "create" if len(live) < 3 else rng.choice(["create", "create", "reschedule", "cancel"])
        day = future_day(2 + rng.randrange(60))
        start = local(shop, day, f"{9 + rng.randrange(8):02d}:{rng.choice(['00', '30'])}")
        try:
            if action == "create":
                live.append(new_booking(shop, start))
            elif action == "reschedule":
                index = rng.randrange(len(live))
                with hub_db.unit_of_work(ctx) as db:
                    live[index] = reschedule_booking(db, ctx, live[index], start).id
            else:
                with hub_db.unit_of_work(ctx) as db:
                    cancel_booking(db, ctx, live.pop(rng.randrange(len(live))), "test")
        except DomainError:
            continue  # the time was taken: no change
        counts[action] += 1
        client = FlakyClient(url, user, password, rng=rng, rate=0.15)
        if rng.random() < 0.1:
            # The worker dies after its calls, before recording anything; its lease runs out.
            with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
                plan = outbound.plan_push(db, db.get(CalendarConnection, connection_id), clock)
            outbound.execute_push(client, plan)
            clock += timedelta(seconds=outbound.LEASE_SECONDS + 1)
            counts["killed_pushes"] += 1
            continue
        try:
            jobs.push(connection_id, now=clock, client_factory=lambda *a: client)
        except CalendarUnavailable:
            counts["failed_pushes"] += 1
    # The retries and the next tick, with the server answering again.
    clock += timedelta(seconds=outbound.LEASE_SECONDS + 1)
    report = jobs.push(connection_id, now=clock)
    assert report.error is None
    return counts


def test_exactly_one_event_per_live_booking_after_failures_and_kills(shop, radicale):
    target = radicale.new_calendar()
    connection_id = connect(shop, radicale, [], target)
    counts = run_changes(shop, radicale, connection_id, changes=60, seed=7)
    assert counts["failed_pushes"] > 3 and counts["killed_pushes"] > 1 and counts["cancel"] > 3

    events = remote_events(radicale, target)  # raises on a duplicate UID
    expected = live_roots(shop)
    assert set(events) == expected                      # no orphan, none missing
    assert len(radicale.hrefs(target)) == len(expected)  # one object per event
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        times = [(b.start_at, b.end_at) for b in db.scalars(
            select(Booking).where(Booking.status.in_([BookingStatus.PENDING, BookingStatus.CONFIRMED])))]
    assert sorted(events.values()) == sorted(times)  # each at its booking's current time


@pytest.fixture
def sync_worker():
    from workers.broker import broker
    import workers.actors  # noqa: F401  (declares every queue, registers the push enqueuer)

    assert isinstance(broker, StubBroker)
    broker.flush_all()
    booking_hook.forget_targets()
    worker = dramatiq.Worker(broker, worker_threads=1, queues={"calendar_sync"})
    worker.start()
    yield broker
    stop_worker(worker)
    broker.flush_all()


def test_a_booking_commit_queues_its_push_and_the_tick_syncs(shop, radicale, sync_worker):
    from workers.calendar_sync_actors import calendar_sync_tick

    shared = radicale.new_calendar()
    connection_id = connect(shop, radicale, [shared], shared)
    booking_hook.forget_targets()
    day = future_day(11)
    booking_id = new_booking(shop, local(shop, day, "10:00"))
    sync_worker.join("calendar_sync", timeout=30_000)
    assert list(remote_events(radicale, shared)) == [booking_uid(shop.store_id, booking_id)]

    radicale.put_event(shared, "x.ics", utc_event("x", local(shop, day, "12:00"), local(shop, day, "13:00")))
    calendar_sync_tick.send(0)
    sync_worker.join("calendar_sync", timeout=30_000)
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        connection = db.get(CalendarConnection, connection_id)
        assert connection.last_synced_at is not None and connection.state == "active"
    from tests.calendar_sync.test_inbound import busy_rows
    assert busy_rows(shop) == [(local(shop, day, "12:00"), local(shop, day, "13:00"))]


# A worker process of its own: imports once, then pushes on each "go <offset>" line it reads, with
# the clock moved <offset> seconds on (so a lease left by a killed push has always run out).
_PUSHER = """
import sys
from datetime import timedelta
from hub_app.domain.calendar_sync import jobs
from hub_app.domain.types import utcnow
connection_id = int(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    jobs.push(connection_id, now=utcnow() + timedelta(seconds=int(line.split()[1])))
    print("done", flush=True)
"""


def test_exactly_one_event_per_live_booking_when_worker_processes_are_killed(shop, radicale):
    """Real SIGKILLs: a pushing process is killed at a random moment of its push (before, during or
    after its calls to the CalDAV server, before or after recording them) after most changes."""
    import signal
    import subprocess
    import sys
    import time

    target = radicale.new_calendar()
    connection_id = connect(shop, radicale, [], target)
    rng = random.Random(11)
    ctx = shop.manager_ctx()
    live: list[int] = []
    worker = None
    kills = 0

    def start_worker():
        proc = subprocess.Popen([sys.executable, "-c", _PUSHER, str(connection_id)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        return proc

    for step in range(1, 31):
        start = local(shop, future_day(2 + rng.randrange(40)), f"{9 + rng.randrange(8):02d}:00")
        try:
            if len(live) < 3 or rng.random() < 0.5:
                live.append(new_booking(shop, start))
            elif rng.random() < 0.5:
                with hub_db.unit_of_work(ctx) as db:
                    index = rng.randrange(len(live))
                    live[index] = reschedule_booking(db, ctx, live[index], start).id
            else:
                with hub_db.unit_of_work(ctx) as db:
                    cancel_booking(db, ctx, live.pop(rng.randrange(len(live))), "test")
        except DomainError:
            continue  # the time was taken: nothing changed
        worker = worker or start_worker()
        worker.stdin.write(f"go {step * (outbound.LEASE_SECONDS + 1)}\n")
        worker.stdin.flush()
        if rng.random() < 0.6:
            time.sleep(rng.uniform(0.0, 0.25))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            worker, kills = None, kills + 1
        else:
            assert worker.stdout.readline().strip() == "done"
    if worker is not None:
        worker.stdin.close()
        worker.wait(30)
    # The next tick, after every lease ran out.
    assert jobs.push(connection_id, now=utcnow() + timedelta(seconds=40 * (outbound.LEASE_SECONDS + 1))).error is None
    assert kills >= 10

    events = remote_events(radicale, target)  # raises on a duplicate UID
    expected = live_roots(shop)
    assert set(events) == expected and len(radicale.hrefs(target)) == len(expected)
