"""The limits in force for a store now: the one answer every plan-limit check asks for.

- A live paid plan (active or trialing) gives its own limits.
- Past due: the paid plan's limits for a grace period (`PLAN_GRACE_DAYS`, counted from the moment
  the subscription became past due), then the free plan's ("restricted").
- No plan, or the subscription was cancelled or ended: the free plan's limits at once.

The free plan is the one plan flagged `is_free` (seeded by migration 0013, edited by the admin).
What a store already has beyond the limits stays; only new things are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import Subscription, SubscriptionPlan, SubscriptionStatus
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from hub_app.settings import get_settings

LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
ENDED = (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)

PAID = "paid"              # a live paid plan
GRACE = "grace"            # past due, still within the grace period: the paid plan's limits
RESTRICTED = "restricted"  # past due after grace, or cancelled/ended: the free plan's limits
FREE = "free"              # never had a paid plan: the free plan's limits


@dataclass(frozen=True)
class LimitsInForce:
    plan: SubscriptionPlan | None       # whose limits apply; None = no limits (no free plan defined)
    paid_plan: SubscriptionPlan | None  # the plan the store subscribed to, if any
    state: str
    subscription: Subscription | None   # the live (or last) subscription the state comes from
    grace_ends_at: datetime | None = None

    def limit(self, what: str) -> int | None:
        if self.plan is None:
            return None
        return {"services": self.plan.max_services, "calendars": self.plan.max_calendars,
                "bookings_per_month": self.plan.max_bookings_per_month,
                "sms": self.plan.sms_included}[what]

    @property
    def restricted(self) -> bool:
        return self.state == RESTRICTED


def grace_period() -> timedelta:
    return timedelta(days=get_settings().plan_grace_days)


def lapse_standing(subscription: Subscription, now: datetime | None = None) -> tuple[str, datetime] | None:
    """(GRACE or RESTRICTED, when grace ends) of a subscription known to be past due since a
    recorded moment; None for any other. The admin's Standing column reads this."""
    if subscription.status != SubscriptionStatus.PAST_DUE or subscription.past_due_since is None:
        return None
    ends = subscription.past_due_since + grace_period()
    return (GRACE if (now or utcnow()) < ends else RESTRICTED), ends


def standing_criterion(standing: str, now: datetime | None = None):
    """The same rule as `lapse_standing`, as SQL (the admin's Standing filter)."""
    cutoff = (now or utcnow()) - grace_period()
    past_due = Subscription.status == SubscriptionStatus.PAST_DUE
    if standing == GRACE:
        return past_due & (Subscription.past_due_since > cutoff)
    return past_due & (Subscription.past_due_since <= cutoff)


# The statements below are built once: every booking runs them, and a statement object the
# session has seen is scoped once per store and user (tenancy.scoped_statement); one built per
# call was walked, scoped and compiled afresh each time.


@lru_cache(maxsize=None)
def _free_plan():
    return select(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(True)).limit(1)


def free_plan(db: Session) -> SubscriptionPlan | None:
    return db.scalar(_free_plan())


@lru_cache(maxsize=None)
def _latest_subscription(statuses: tuple[SubscriptionStatus, ...]):
    # The store condition is the question asked: a bypass session sees every store's rows.
    return (select(Subscription).where(Subscription.store_id == bindparam("store_id"), Subscription.status.in_(statuses))
            .order_by(Subscription.start_date.desc(), Subscription.id.desc()).limit(1))


def latest_subscription(db: Session, store_id: int, statuses) -> Subscription | None:
    return db.scalar(_latest_subscription(tuple(statuses)), {"store_id": store_id})


def limits_in_force(db: Session, store: Store, now: datetime | None = None, *,
                    with_history: bool = True) -> LimitsInForce:
    """The limits that apply to `store` at `now` (see the module docstring).

    `with_history=False` (the limit checks on the booking path) skips looking up a store's ended
    subscription: it only tells "restricted" from "free" for the manager, the limits are the same.
    """
    now = now or utcnow()
    paid = db.get(SubscriptionPlan, store.current_subscription_plan_id) if store.current_subscription_plan_id else None
    if paid is not None and paid.is_free:
        paid = None
    if paid is None:
        last = latest_subscription(db, store.id, ENDED) if with_history else None
        return LimitsInForce(free_plan(db), None, RESTRICTED if last is not None else FREE, last)
    live = latest_subscription(db, store.id, LIVE)
    if live is None or live.status != SubscriptionStatus.PAST_DUE or live.plan_id != paid.id:
        # A plan the admin set by hand, or a subscription in good standing.
        return LimitsInForce(paid, paid, PAID, live)
    grace_ends = (live.past_due_since or live.last_event_at or live.updated_at or now) + grace_period()
    if now < grace_ends:
        return LimitsInForce(paid, paid, GRACE, live, grace_ends)
    return LimitsInForce(free_plan(db), paid, RESTRICTED, live, grace_ends)


def mark_past_due_moments(db: Session, store_id: int) -> None:
    """Remember when each of the store's subscriptions became past due (and forget it once it is
    not past due any more). Called whenever a subscription's status was applied; the moment is the
    Stripe event's time when known, so a late delivery does not lengthen the grace period."""
    for row in db.scalars(select(Subscription).where(Subscription.store_id == store_id)):
        if row.status == SubscriptionStatus.PAST_DUE and row.past_due_since is None:
            row.past_due_since = row.last_event_at or utcnow()
        elif row.status != SubscriptionStatus.PAST_DUE and row.past_due_since is not None:
            row.past_due_since = None
