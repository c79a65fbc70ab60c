"""The plan's included SMS: counted per billing period when handed to the provider (the real
EasySMS client against the fake server), a warning at 80 % once, and past 100 % either stopped
(email goes on) or sent and recorded as overage, as the plan says."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.billing.models import SmsOverage, SmsUsage, SubscriptionStatus
from hub_app.domain.notifications import dispatch, outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.notifications.sms_allowance import current_period
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe
from tests.factories import make_client, make_store
from tests.notifications.conftest import in_days, make_booking

SYSTEM = TenantContext.system()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(outbox, "_enqueuer", ids.extend)
    return ids


def store_on_plan(sms: int | None, overage: SmsOverage = SmsOverage.STOP, price: str | None = None) -> int:
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db, name="Salon Eleni")
        flag_free_plan(db, sms=0)
        plan = paid_plan(db, sms=sms, overage=overage, overage_price=price)
        subscribe(db, store, plan, SubscriptionStatus.ACTIVE, period_end=utcnow() + timedelta(days=10))
        return store.id


def confirm_one(store_id: int) -> dict[Channel, int]:
    with hub_db.unit_of_work(SYSTEM) as db:
        store = db.get(Store, store_id)
        booking = make_booking(db, store, make_client(db), in_days(3))
        return {row.type: row.id for row in outbox.on_booking_event(db, booking, "confirmed")}


def manager_emails(store_id: int) -> list[Notification]:
    with hub_db.unit_of_work(SYSTEM) as db:
        return list(db.scalars(select(Notification).where(
            Notification.store_id == store_id, Notification.kind == NotificationKind.ACCOUNT).order_by(Notification.id)))


def usage(store_id: int) -> SmsUsage:
    with hub_db.unit_of_work(SYSTEM) as db:
        return db.scalars(select(SmsUsage).where(SmsUsage.store_id == store_id)).one()


def test_at_80_percent_the_manager_is_warned_once_and_at_100_sms_stop_but_email_goes(
        committed_engine, enqueued, provider_env, fake_easysms, smtp_server):
    store_id = store_on_plan(sms=5)
    outcomes = []
    for n in range(7):
        ids = confirm_one(store_id)
        outcomes.append((dispatch.deliver(ids[Channel.SMS]).status, dispatch.deliver(ids[Channel.EMAIL]).status))
        warnings = [e for e in manager_emails(store_id) if "SMS used" in (e.subject or "")]
        assert len(warnings) == (1 if n >= 3 else 0)  # the 4th SMS reaches 80 % of 5
    assert outcomes == [("sent", "sent")] * 5 + [("not_sent", "sent")] * 2
    assert len(fake_easysms.sends()) == 5
    with hub_db.unit_of_work(SYSTEM) as db:
        stopped = db.scalars(select(Notification).where(
            Notification.type == Channel.SMS, Notification.status == NotificationStatus.NOT_SENT)).all()
        assert len(stopped) == 2 and all("5 SMS for this period are used up" in n.last_error for n in stopped)
        period = current_period(db, db.get(Store, store_id))
    row = usage(store_id)
    assert (row.sent, row.included, row.overage) == (5, 5, 0)
    assert (period.sent, period.included, period.used_up, period.policy) == (5, 5, True, "stop")
    used_up = [e for e in manager_emails(store_id) if "used up" in (e.subject or "")]
    assert len(used_up) == 1


def test_with_bill_sms_go_on_and_the_overage_is_recorded(committed_engine, enqueued, provider_env, fake_easysms,
                                                         smtp_server):
    store_id = store_on_plan(sms=2, overage=SmsOverage.BILL, price="0.08")
    statuses = [dispatch.deliver(confirm_one(store_id)[Channel.SMS]).status for _ in range(4)]
    assert statuses == ["sent"] * 4 and len(fake_easysms.sends()) == 4
    row = usage(store_id)
    assert (row.sent, row.included, row.overage, str(row.overage_unit_price)) == (4, 2, 2, "0.08")
    assert any("billed" in (e.subject or "") for e in manager_emails(store_id))


def test_a_retry_is_the_same_sms_and_is_counted_once(committed_engine, enqueued, provider_env, fake_easysms,
                                                     smtp_server):
    store_id = store_on_plan(sms=5)
    sms_id = confirm_one(store_id)[Channel.SMS]
    now = utcnow()
    fake_easysms.queue_answer(503, "<html>down</html>", "text/html")
    first = dispatch.deliver(sms_id, now=now)
    assert first.status == "retry"
    assert dispatch.deliver(sms_id, now=first.retry_at).status == "sent"
    assert usage(store_id).sent == 1


def test_a_store_on_the_free_plan_sends_no_sms_and_counts_by_calendar_month(committed_engine, enqueued,
                                                                             provider_env, fake_easysms, smtp_server):
    with hub_db.unit_of_work(SYSTEM) as db:
        store, _ = make_store(db)
        flag_free_plan(db, sms=0)
        store_id = store.id
    ids = confirm_one(store_id)
    assert dispatch.deliver(ids[Channel.SMS]).status == "not_sent"
    assert dispatch.deliver(ids[Channel.EMAIL]).status == "sent"
    assert fake_easysms.sends() == []
    row = usage(store_id)
    local_start = row.period_start.astimezone(ZoneInfo("Europe/Athens"))
    assert (local_start.day, local_start.hour, local_start.minute) == (1, 0, 0)


def test_parallel_senders_never_pass_the_allowance(committed_engine, enqueued, provider_env, fake_easysms,
                                                   smtp_server):
    store_id = store_on_plan(sms=4)
    sms_ids = [confirm_one(store_id)[Channel.SMS] for _ in range(8)]
    start = threading.Barrier(len(sms_ids))

    def send(nid: int) -> str:
        start.wait()
        return dispatch.deliver(nid).status

    with ThreadPoolExecutor(max_workers=len(sms_ids)) as pool:
        statuses = list(pool.map(send, sms_ids))
    assert sorted(statuses) == ["not_sent"] * 4 + ["sent"] * 4
    assert len(fake_easysms.sends()) == 4 and usage(store_id).sent == 4
