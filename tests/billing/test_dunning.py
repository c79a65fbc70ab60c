"""Dunning: the manager is emailed once per step (payment failed, grace ends soon, restricted),
by the periodic tick, whatever how often it runs; in the manager's language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub_app.domain.billing import dunning
from hub_app.domain.billing.models import SubscriptionStatus
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe
from tests.bookings.helpers import act, build_shop

SYSTEM = TenantContext.system()


def emails(db, store_id) -> list[Notification]:
    act(db, SYSTEM)
    return list(db.scalars(select(Notification).where(Notification.store_id == store_id,
                                                      Notification.kind == NotificationKind.ACCOUNT)
                           .order_by(Notification.id)))


def test_each_dunning_step_is_emailed_exactly_once(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    failed_at = utcnow().replace(microsecond=0)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.PAST_DUE, event_at=failed_at)

    for hours in (0, 1, 2):  # ticks in the first hours: one email
        assert dunning.advance_all(db, failed_at + timedelta(hours=hours)) == (1 if hours == 0 else 0)
    [failed] = emails(db, shop.store.id)
    assert failed.type == Channel.EMAIL and failed.to_address == shop.manager.email
    assert "failed" in failed.subject and "Subscription" in failed.body

    assert dunning.advance_all(db, failed_at + timedelta(days=5, hours=1)) == 1  # two days before the end
    assert dunning.advance_all(db, failed_at + timedelta(days=6)) == 0
    assert dunning.advance_all(db, failed_at + timedelta(days=7)) == 1           # restricted
    assert dunning.advance_all(db, failed_at + timedelta(days=8)) == 0
    subjects = [row.subject for row in emails(db, shop.store.id)]
    assert len(subjects) == 3 and "limits end on" in subjects[1] and "free plan" in subjects[2]
    assert len({row.dedupe_key for row in emails(db, shop.store.id)}) == 3


def test_a_cancelled_subscription_is_announced_once_as_restricted(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.CANCELLED)
    assert dunning.advance_all(db) == 1
    assert dunning.advance_all(db) == 0
    [restricted] = emails(db, shop.store.id)
    assert "free plan" in restricted.subject


def test_dunning_speaks_the_managers_language(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    shop.manager.locale = "el"
    flag_free_plan(db)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.PAST_DUE)
    dunning.advance_all(db)
    [failed] = emails(db, shop.store.id)
    assert "πληρωμή" in failed.subject


def test_a_store_in_good_standing_gets_nothing(db):
    shop = build_shop(db)
    act(db, SYSTEM)
    flag_free_plan(db)
    subscribe(db, shop.store, paid_plan(db), SubscriptionStatus.ACTIVE)
    assert dunning.advance_all(db) == 0
    assert emails(db, shop.store.id) == []
