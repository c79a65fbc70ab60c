"""The workers' periodic tick restricts a lapsed store and tells the manager, with no webhook."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import workers.notification_actors as actors
from hub_app import db as hub_db
from hub_app.domain.billing.limits import RESTRICTED, limits_in_force
from hub_app.domain.billing.models import SubscriptionStatus
from hub_app.domain.notifications.models import Notification, NotificationKind, NotificationStatus
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.billing.helpers import flag_free_plan, paid_plan, subscribe
from tests.factories import make_store
from tests.notifications.test_actors import drain, stub_broker, worker  # noqa: F401 (fixtures)

SYSTEM = TenantContext.system()


def test_the_tick_sends_the_restricted_email_once_after_grace(committed_engine, provider_env, fake_easysms,
                                                              smtp_server, stub_broker, worker):  # noqa: F811
    with hub_db.unit_of_work(SYSTEM) as db:
        store, manager = make_store(db, name="Salon Eleni")
        flag_free_plan(db)
        subscribe(db, store, paid_plan(db), SubscriptionStatus.PAST_DUE, event_at=utcnow() - timedelta(days=8))
        store_id, manager_email = store.id, manager.email
    for _ in range(2):  # two workers ticking, or a restart between ticks
        actors.notification_tick.send()
        drain(stub_broker, worker)
        drain(stub_broker, worker)
    with hub_db.unit_of_work(SYSTEM) as db:
        assert limits_in_force(db, db.get(Store, store_id)).state == RESTRICTED
        [email] = db.scalars(select(Notification).where(Notification.kind == NotificationKind.ACCOUNT)).all()
        assert email.status == NotificationStatus.SENT and email.to_address == manager_email
    [message] = smtp_server[1].messages
    assert "free plan" in message["Subject"]
