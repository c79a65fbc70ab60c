"""Dunning: telling a store's manager, once per step, what a lapsed payment means for the store.

Steps (each an email to the manager through the notification outbox, deduplicated by its key):
- `payment_failed`: the subscription became past due; paid limits stay until the grace end date.
- `grace_ending`: the grace period ends within GRACE_REMINDER_BEFORE.
- `restricted`: the grace period is over, or the subscription was cancelled or ended: the store
  now has the free plan's limits (nothing is deleted; nothing new beyond them).

`advance_all` is run by the workers' periodic tick: the state itself follows from the clock
(billing.limits), so a late or doubled tick only delays or repeats a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.limits import ENDED, GRACE, RESTRICTED, limits_in_force
from hub_app.domain.billing.models import Subscription, SubscriptionStatus
from hub_app.domain.notifications.manager_notices import notify_manager
from hub_app.domain.notifications.outbox import acting_for_store
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from hub_app.i18n import format_date

GRACE_REMINDER_BEFORE = timedelta(days=2)
# A subscription that ended longer ago than this is old news, not a step to announce.
ENDED_NOTICE_WINDOW = timedelta(days=30)


def advance_store(db: Session, store: Store, now: datetime | None = None) -> list[str]:
    """Send whatever dunning step is due for this store and not sent yet; returns the steps sent."""
    now = now or utcnow()
    limits = limits_in_force(db, store, now)
    sub = limits.subscription
    if sub is None or limits.state not in (GRACE, RESTRICTED) or (limits.restricted and limits.plan is None):
        # (No free plan defined: a lapsed store keeps no limits, so there is nothing to announce.)
        return []
    steps: list[tuple[str, str, dict]] = []
    if sub.status == SubscriptionStatus.PAST_DUE:
        since = f"{(sub.past_due_since or now):%Y%m%dT%H%M%S}"
        base = f"dunning:{sub.id}:{since}"
        grace_ends = limits.grace_ends_at

        def ends(locale: str) -> str:  # in the manager's language
            return format_date(grace_ends, store.timezone, locale, fmt="long")

        if limits.state == GRACE:
            steps.append((f"{base}:payment_failed", "dunning.payment_failed", {"date": ends}))
            if now >= limits.grace_ends_at - GRACE_REMINDER_BEFORE:
                steps.append((f"{base}:grace_ending", "dunning.grace_ending", {"date": ends}))
        else:
            steps.append((f"{base}:restricted", "dunning.restricted", {}))
    elif sub.status in ENDED and (sub.end_date or sub.updated_at) >= now - ENDED_NOTICE_WINDOW:
        steps.append((f"lapse:{sub.id}:restricted", "dunning.restricted", {}))
    sent = []
    for key, step, params in steps:
        if notify_manager(db, store, key, step, **params) is not None:
            sent.append(step)
    return sent


def advance_all(db: Session, now: datetime | None = None) -> int:
    """The tick: every store with a past-due or recently ended subscription (system context)."""
    now = now or utcnow()
    store_ids = db.scalars(select(Subscription.store_id).where(or_(
        Subscription.status == SubscriptionStatus.PAST_DUE,
        Subscription.status.in_(ENDED) & (Subscription.updated_at >= now - ENDED_NOTICE_WINDOW),
    )).distinct()).all()
    sent = 0
    for store_id in store_ids:
        store = db.get(Store, store_id)
        if store is None:
            continue
        with acting_for_store(db, store_id):
            sent += len(advance_store(db, store, now))
    return sent
