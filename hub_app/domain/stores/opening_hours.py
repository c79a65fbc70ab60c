"""A store's opening hours for the week, as its public page and its structured data show them.

The data model keeps working hours per calendar (a staff member or a room: `OpeningRule`, one
row per weekday window). The store is open when at least one of its active calendars is, so a
weekday's hours are the union of its calendars' windows, overlapping or touching ones merged.
Date overrides (holidays) change single dates and are not part of the weekly pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, OpeningRule
from hub_app.domain.tenancy import TenantContext

WEEKDAYS = range(7)  # 0 = Monday … 6 = Sunday, as OpeningRule.weekday


@dataclass(frozen=True)
class DayHours:
    weekday: int
    windows: tuple[tuple[time, time], ...]  # empty: closed all day

    @property
    def is_closed(self) -> bool:
        return not self.windows


def merge_windows(windows: list[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Sorted windows with overlapping or touching ones joined (09–13 and 12–17 are 09–17)."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(w for w in windows if w[0] < w[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def weekly_opening_hours(db: Session, ctx: TenantContext) -> list[DayHours]:
    """Seven days, Monday first, of the store in `ctx` (its active calendars' weekly hours)."""
    require(ctx, Feature.VIEW_STORE)
    rows = db.execute(
        select(OpeningRule.weekday, OpeningRule.start_time, OpeningRule.end_time)
        .join(Calendar, Calendar.id == OpeningRule.calendar_id)
        .where(Calendar.is_active.is_(True))
    )
    per_day: dict[int, list[tuple[time, time]]] = {day: [] for day in WEEKDAYS}
    for weekday, start, end in rows:
        if weekday in per_day:
            per_day[weekday].append((start, end))
    return [DayHours(weekday=day, windows=merge_windows(per_day[day])) for day in WEEKDAYS]
