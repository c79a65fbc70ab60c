"""The plan's "max bookings a month": a store that used it takes no new bookings until next month.

The limit is the one in force for the store now (billing.limits): the paid plan's, or the free
plan's for a store without one or whose subscription lapsed.

Counted as the subscription page shows it (hub_app.domain.billing.usage.plan_usage): bookings
made since the start of the store's local month, a reschedule not counted as a new booking.
Bookings that arrive from Calendly are recorded whatever the count (the appointment already exists
there); they count towards the limit all the same.
"""

from __future__ import annotations

from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hub_app.domain.billing.limits import limits_in_force
from hub_app.domain.bookings.access import is_staff
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.errors import PlanLimitReached
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

# Within this many bookings of the limit, bookers take turns on the store's row, so that racing
# requests cannot pass the limit together; further away nobody waits for anybody.
EXACT_BELOW_LIMIT = 20


def month_start(tz: str, now: datetime) -> datetime:
    """The first instant of the store's local month."""
    local = now.astimezone(ZoneInfo(tz))
    return datetime.combine(local.date().replace(day=1), time(0), tzinfo=ZoneInfo(tz))


@lru_cache(maxsize=None)
def _bookings_made_since():
    # Built once, as every booking runs it (see billing.limits). The store condition is the
    # question asked, not scoping: a client's session also sees the client's own bookings in
    # other stores. count(*), not of a column: the rows counted are exactly those of
    # ix_booking_store_month_count, read from the index alone.
    return select(func.count()).select_from(Booking).where(
        Booking.store_id == bindparam("store_id"), Booking.created_at >= bindparam("since"),
        Booking.rescheduled_from_id.is_(None), Booking.status != BookingStatus.RESCHEDULED)


def bookings_made_this_month(db: Session, store: Store, now: datetime | None = None) -> int:
    since = month_start(store.timezone, now or utcnow())
    return db.scalar(_bookings_made_since(), {"store_id": store.id, "since": since}) or 0


def check_monthly_bookings(db: Session, ctx: TenantContext, store: Store, now: datetime | None = None) -> None:
    """Raise PlanLimitReached when the store's plan has no booking left this month."""
    limits = limits_in_force(db, store, now, with_history=False)
    limit = limits.limit("bookings_per_month")
    if limit is None:
        return
    made = bookings_made_this_month(db, store, now)
    if made < limit - EXACT_BELOW_LIMIT:
        return
    # FOR NO KEY UPDATE: queues the bookers near the limit without blocking the foreign-key checks
    # of everything else written for this store. Counted again under the lock (SQLite already
    # serialises writers with BEGIN IMMEDIATE).
    db.execute(select(Store.id).where(Store.id == store.id).with_for_update(key_share=True))
    made = bookings_made_this_month(db, store, now)
    if made < limit:
        return
    if is_staff(ctx) and limits.plan is not limits.paid_plan:
        message = t("plan.free_limit_reached", ctx.locale, limit=limit,
                    what=t("plan.what.bookings_per_month", ctx.locale))
    elif is_staff(ctx):
        message = t("booking.monthly_limit_staff", ctx.locale, plan=limits.plan.name, limit=limit)
    else:
        message = t("booking.monthly_limit", ctx.locale)
    raise PlanLimitReached(message, limit=limit, what="bookings_per_month")
