"""The store-local calendar arithmetic every dashboard section shares: a day's instants in the
store's time zone, ranges for the calendar views, and dates and times typed into forms."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hub_app.domain.errors import ValidationFailed
from hub_app.i18n import t


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
