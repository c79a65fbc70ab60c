"""The plan's included SMS per billing period: counted, warned about, stopped or billed.

An SMS counts when it is handed to the provider (its first attempt; a retry is the same SMS).
The period is the store's current subscription period, or the store's calendar month on the free
plan (or a plan set by hand without a subscription). The store's `sms_usage` row for the period
is locked while an SMS is admitted, so parallel senders count exactly.

At 80 % of the allowance the manager is told once per period (email and dashboard). Past 100 %
the plan says what happens: "stop" records the SMS as not sent with the reason (email messages go
on as usual), "bill" sends it and records it as overage at the plan's overage price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.billing.limits import LIVE, LimitsInForce, limits_in_force
from hub_app.domain.billing.models import PlanInterval, SmsOverage, SmsUsage
from hub_app.domain.bookings.plan_limit import month_start
from hub_app.domain.notifications.manager_notices import notify_manager
from hub_app.domain.notifications.models import Notification
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow

WARN_AT = 0.8


@dataclass(frozen=True)
class SmsPeriod:
    start: datetime
    end: datetime
    sent: int
    included: int | None
    overage: int
    overage_unit_price: object  # Decimal | None
    currency: str
    policy: str  # "stop" | "bill"

    @property
    def warned(self) -> bool:
        return self.included is not None and self.sent >= warn_threshold(self.included)

    @property
    def used_up(self) -> bool:
        return self.included is not None and self.sent >= self.included


def warn_threshold(included: int) -> int:
    return max(1, math.ceil(included * WARN_AT))


def billing_period(store: Store, limits: LimitsInForce, now: datetime) -> tuple[datetime, datetime]:
    sub = limits.subscription
    paid = limits.paid_plan
    if (paid is not None and limits.plan is paid and sub is not None and sub.status in LIVE
            and sub.current_period_end is not None):
        step = relativedelta(years=1) if paid.interval == PlanInterval.YEAR else relativedelta(months=1)
        end = sub.current_period_end
        # A renewal not recorded yet (or a clock ahead of it): the periods go on at the same pace.
        while end <= now:
            end = end + step
        while end - step > now:
            end = end - step
        return end - step, end
    start = month_start(store.timezone, now)
    return start, start + relativedelta(months=1)


def _usage_row(db: Session, store_id: int, start: datetime, end: datetime, *, lock: bool) -> SmsUsage:
    query = select(SmsUsage).where(SmsUsage.store_id == store_id, SmsUsage.period_start == start)
    if lock:
        query = query.with_for_update()
    row = db.scalar(query)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            db.add(SmsUsage(store_id=store_id, period_start=start, period_end=end, sent=0, overage=0))
    except IntegrityError:  # another sender made the period's row first
        pass
    return db.scalars(query.execution_options(populate_existing=True)).one()


def admit(db: Session, row: Notification, now: datetime | None = None) -> str | None:
    """Count an SMS about to be handed to the provider; the reason it must not be sent, or None."""
    now = now or utcnow()
    store = db.get(Store, row.store_id)
    limits = limits_in_force(db, store, now, with_history=False)
    included = limits.limit("sms")
    start, end = billing_period(store, limits, now)
    usage = _usage_row(db, store.id, start, end, lock=True)
    policy = limits.plan.sms_overage if limits.plan is not None else SmsOverage.STOP
    usage.included = included
    usage.currency = limits.plan.currency if limits.plan is not None else usage.currency
    key = f"{store.id}:{start:%Y%m%dT%H%M}"
    if included is not None and usage.sent >= included:
        notify_manager(db, store, f"sms-used-up:{key}", f"sms.used_up_{SmsOverage(policy).value}", included=included)
        if policy == SmsOverage.STOP:
            return (f"not sent: the plan's {included} SMS for this period are used up "
                    f"(the period ends {end:%Y-%m-%d %H:%M} UTC)")
        usage.overage += 1
        usage.overage_unit_price = limits.plan.sms_overage_price
    usage.sent += 1
    if included and usage.sent >= warn_threshold(included):
        notify_manager(db, store, f"sms-80:{key}", "sms.warning", sent=usage.sent, included=included)
    db.flush()
    return None


def current_period(db: Session, store: Store, now: datetime | None = None) -> SmsPeriod:
    """What the subscription page shows: SMS used / included and the period's end."""
    now = now or utcnow()
    limits = limits_in_force(db, store, now)
    start, end = billing_period(store, limits, now)
    usage = db.scalar(select(SmsUsage).where(SmsUsage.store_id == store.id, SmsUsage.period_start == start))
    plan = limits.plan
    return SmsPeriod(
        start=start, end=end, sent=usage.sent if usage else 0, included=limits.limit("sms"),
        overage=usage.overage if usage else 0,
        overage_unit_price=plan.sms_overage_price if plan is not None else None,
        currency=plan.currency if plan is not None else store.currency,
        policy=SmsOverage(plan.sms_overage).value if plan is not None else SmsOverage.STOP.value)
