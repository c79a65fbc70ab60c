"""The SMS provider fails: HTTP 500, or no answer within the client's timeout. The message is
retried with backoff and reaches the phone exactly once.

`dispatch.deliver` is the function the worker's `send_notification` actor runs; its `now`
argument stands in for the time that passes between attempts (the backoff is minutes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import pytest

from hub_app import db as hub_db
from hub_app.domain.notifications import dispatch
from hub_app.domain.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from hub_app.domain.notifications.sms import EasySmsClient
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import make_client, make_store
from tests.notifications.fake_easysms import FakeEasySms

CLIENT_TIMEOUT_SECONDS = 0.5


@dataclass
class StallingEasySms(FakeEasySms):
    """The fake EasySMS, which can also hold the next requests without ever answering them."""

    stall_next: int = 0
    stall_seconds: float = 1.5

    def _handle(self, handler) -> None:
        with self._lock:
            stall = self.stall_next > 0
            if stall:
                self.stall_next -= 1
        if stall:
            time.sleep(self.stall_seconds)  # the client gives up first; nothing is accepted
            handler.close_connection = True
            return
        super()._handle(handler)


@pytest.fixture
def provider() -> StallingEasySms:
    fake = StallingEasySms().start()
    yield fake
    fake.stop()


def pending_sms(engine) -> int:
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        store, _ = make_store(db)
        client = make_client(db)
        row = Notification(store_id=store.id, recipient_user_id=client.id, type=Channel.SMS, kind=NotificationKind.MANUAL,
                           body="Your appointment is tomorrow at 10:00.", to_address=client.phone_number,
                           dedupe_key=f"fault-test:{client.id}", next_attempt_at=utcnow())
        db.add(row)
        db.flush()
        return row.id


def deliver(notification_id: int, fake: FakeEasySms, now) -> dispatch.DispatchOutcome:
    providers = dispatch.Providers(sms=EasySmsClient(fake.api_key, "HubSalon", fake.base_url,
                                                     timeout=CLIENT_TIMEOUT_SECONDS))
    try:
        return dispatch.deliver(notification_id, providers=providers, now=now)
    finally:
        providers.close()


def status_of(engine, notification_id: int) -> Notification:
    with hub_db.unit_of_work(TenantContext.system(), engine) as db:
        return db.get(Notification, notification_id)


@pytest.mark.parametrize("failure", ["http_500", "timeout"])
def test_provider_failure_is_retried_and_the_message_is_sent_once(committed_engine, provider, failure):
    notification_id = pending_sms(committed_engine)
    if failure == "http_500":
        provider.queue_answer(500, "<html>Internal Server Error</html>", "text/html")
        provider.queue_answer(502, "Bad gateway", "text/plain")
    else:
        provider.stall_next = 2
    now = utcnow()
    outcomes = []
    for _ in range(6):
        outcome = deliver(notification_id, provider, now)
        outcomes.append(outcome.status)
        if outcome.status == "sent":
            break
        assert outcome.status == "retry" and outcome.retry_at > now
        # Too early: another worker (or a redelivered message) finds nothing to do.
        assert deliver(notification_id, provider, now + timedelta(seconds=1)).status == "skipped"
        now = outcome.retry_at + timedelta(seconds=1)
    assert outcomes == ["retry", "retry", "sent"]
    assert len(provider.sent) == 1  # exactly one message accepted by the provider
    assert len(provider.sends()) == 3 - (2 if failure == "timeout" else 0)  # stalled ones never got answered
    row = status_of(committed_engine, notification_id)
    assert row.status == NotificationStatus.SENT and row.attempts == 3
    # Any later duplicate delivery of the job changes nothing.
    assert deliver(notification_id, provider, now + timedelta(hours=1)).status == "skipped"
    assert len(provider.sent) == 1

