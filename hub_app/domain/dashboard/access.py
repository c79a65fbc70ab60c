"""Which store a dashboard opens, and the store-local calendar arithmetic every section shares.

A manager always works in their own store (TenantContext.for_user pins it); an admin picks a
store by its slug. Everything after that runs in a context whose `store_id` is that store, so
the tenant scoping of the sessions keeps every other store's rows invisible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.errors import NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store, StoreSlugRedirect
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


@dataclass(frozen=True)
class StoreChoice:
    id: int
    name: str
    slug: str
    is_active: bool


def dashboard_store(db: Session, ctx: TenantContext) -> Store:
    """The store the context works in, if this actor may run its dashboard."""
    require(ctx, Feature.VIEW_BOOKINGS)
    store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def store_for_dashboard(db: Session, ctx: TenantContext, slug: str | None) -> Store | None:
    """The store to open: a manager's own (any slug asked for is ignored), or the admin's pick.

    Returns None for an admin who has not picked a store yet. Clients and anonymous visitors
    are refused.
    """
    if ctx.role == UserRole.STORE_MANAGER:
        return dashboard_store(db, ctx)
    if ctx.role != UserRole.ADMIN:
        if ctx.role is None:
            require(ctx, Feature.VIEW_BOOKINGS)  # raises NotAuthenticated
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    slug = (slug or "").strip().lower()
    if not slug:
        return None
    store = db.scalar(select(Store).where(Store.slug == slug))
    if store is None:
        redirect = db.scalar(select(StoreSlugRedirect).where(StoreSlugRedirect.old_slug == slug))
        store = db.get(Store, redirect.store_id) if redirect else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def stores_for_admin(db: Session, ctx: TenantContext) -> list[StoreChoice]:
    """Every store, for the admin's store picker."""
    require(ctx, Feature.MANAGE_STORES)
    rows = db.scalars(select(Store).order_by(Store.name, Store.id))
    return [StoreChoice(s.id, s.name, s.slug, s.is_active) for s in rows]


# --- store-local time ----------------------------------------------------------------------


def local_instant(tz: str | ZoneInfo, day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in the store's zone."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def local_day_bounds(tz: str | ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) as UTC instants."""
    return local_instant(tz, first, time(0)), local_instant(tz, last + timedelta(days=1), time(0))


def range_instants(tz: str | ZoneInfo, start: date | datetime | None,
                   end: date | datetime | None) -> tuple[datetime | None, datetime | None]:
    """A requested range as UTC instants [start, end): a plain date is that whole local day, so an
    end date includes its day; an instant (aware) is kept as it is."""
    def bound(value: date | datetime | None, day_after: bool) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value
        return local_instant(tz, value + timedelta(days=1) if day_after else value, time(0))

    return bound(start, False), bound(end, True)


def local_today(tz: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def parse_date(value: object, field: str, locale: str | None) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        message = t("dashboard.bad_date", locale)
        raise ValidationFailed(message, fields={field: message})


def parse_time(value: object, field: str, locale: str | None) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip())
    except ValueError:
        message = t("dashboard.bad_time", locale)
        raise ValidationFailed(message, fields={field: message})


def local_period(tz: str, start_day: object, start_time: object, end_day: object, end_time: object,
                 locale: str | None) -> tuple[datetime, datetime]:
    """A period typed as local dates and times, as UTC instants (end after start)."""
    start = local_instant(tz, parse_date(start_day, "start_date", locale), parse_time(start_time, "start_time", locale))
    end = local_instant(tz, parse_date(end_day, "end_date", locale), parse_time(end_time, "end_time", locale))
    if end <= start:
        message = t("validation.time_range", locale)
        raise ValidationFailed(message, fields={"end_time": message})
    return start, end


def calendar_range(view: str, anchor: date, locale: str | None = None) -> tuple[date, date]:
    """The local dates a calendar view shows: one day, a Monday-first week, or the whole weeks
    that contain the month of `anchor`."""
    if view == "day":
        return anchor, anchor
    if view == "week":
        monday = anchor - timedelta(days=anchor.weekday())
        return monday, monday + timedelta(days=6)
    if view == "month":
        first = anchor.replace(day=1)
        next_month = (first + timedelta(days=32)).replace(day=1)
        last = next_month - timedelta(days=1)
        return first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    message = t("validation.calendar_view", locale)
    raise ValidationFailed(message, fields={"view": message})


def shift_anchor(view: str, anchor: date, steps: int) -> date:
    if view == "day":
        return anchor + timedelta(days=steps)
    if view == "week":
        return anchor + timedelta(days=7 * steps)
    month = anchor.month - 1 + steps
    year = anchor.year + month // 12
    return date(year, month % 12 + 1, 1)
