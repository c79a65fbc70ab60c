"""iCalendar in and out: remote objects → busy intervals (UTC), bookings → the hub's own events.

Reading follows RFC 5545 as calendar clients write it: recurrences (RRULE, RDATE, EXDATE and
overridden instances by RECURRENCE-ID) are expanded with `recurring-ical-events` inside a window;
times with a TZID are resolved through the object's VTIMEZONE (or the IANA zone of that name);
floating times and all-day dates mean the store's own wall clock, so an all-day event blocks the
store's whole local day, whatever the DST offset. TRANSP:TRANSPARENT ("free") and cancelled
events are not busy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

UTC = timezone.utc
# Marks the events the hub writes, so they are recognised when read back.
OWN_PROPERTY = "X-APPOINTMENT-HUB-STORE"
OWN_UID_PREFIX = "appointment-hub-"
PRODID = "-//Appointment Hub//Calendar sync//EN"


class IcsError(ValueError):
    """The text is not usable iCalendar (the message says why, for the connection's status)."""


@dataclass(frozen=True)
class BusyInterval:
    start: datetime   # UTC
    end: datetime     # UTC
    summary: str


@dataclass(frozen=True)
class ParsedObject:
    uid: str | None
    own_store_id: int | None      # the store that wrote it, when the hub did
    recurring: bool
    intervals: list[BusyInterval]


def booking_uid(store_id: int, root_booking_id: int) -> str:
    """Stable per reschedule chain: the first booking's id names the event for its whole life."""
    return f"{OWN_UID_PREFIX}{store_id}-booking-{root_booking_id}"


def own_store_of(uid: str | None, component) -> int | None:
    marker = component.get(OWN_PROPERTY) if component is not None else None
    if marker is not None:
        try:
            return int(str(marker))
        except ValueError:
            return None
    if uid and uid.startswith(OWN_UID_PREFIX):
        head = uid[len(OWN_UID_PREFIX):].split("-", 1)[0]
        return int(head) if head.isdigit() else None
    return None


def parse_calendar(text: str | bytes) -> icalendar.Calendar:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    stripped = text.lstrip("\ufeff \r\n\t")
    if not stripped[:15].upper().startswith("BEGIN:VCALENDAR"):
        looks_html = stripped[:200].lower().startswith(("<!doctype", "<html"))
        raise IcsError("the server answered an HTML page, not iCalendar" if looks_html
                       else "not iCalendar data (no BEGIN:VCALENDAR)")
    try:
        return icalendar.Calendar.from_ical(stripped)
    except Exception as exc:  # icalendar raises ValueError and friends for broken lines
        raise IcsError(f"broken iCalendar: {str(exc)[:200]}") from exc


def _to_utc(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            value = value.replace(tzinfo=zone)      # floating time: the store's wall clock
        return value.astimezone(UTC)
    # An all-day date: local midnight in the store's zone (23 or 25 hours long on DST days).
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _is_free(component) -> bool:
    transp = str(component.get("TRANSP", "OPAQUE")).upper()
    status = str(component.get("STATUS", "")).upper()
    return transp == "TRANSPARENT" or status == "CANCELLED"


def _end_of(component, start: date | datetime) -> date | datetime:
    end = component.get("DTEND")
    if end is not None:
        return end.dt
    duration = component.get("DURATION")
    if duration is not None:
        return start + duration.dt
    # RFC 5545 3.6.1: a date without an end lasts one day; a date-time without one is an instant.
    return start + timedelta(days=1) if not isinstance(start, datetime) else start


def _drop_broken_events(cal: icalendar.Calendar) -> list[str]:
    """Remove the VEVENTs icalendar could not read (a bad date, a bad RRULE, no DTSTART), each
    reported by UID: skipped, never guessed into busy time, and never stopping the others."""
    problems = []
    for holder in [cal, *cal.walk()]:
        kept = []
        for component in holder.subcomponents:
            if component.name != "VEVENT":
                kept.append(component)
                continue
            errors = [f"{name}: {message}" for name, message in (getattr(component, "errors", None) or [])]
            if not errors and component.get("DTSTART") is None:
                errors = ["no DTSTART"]
            if errors:
                problems.append(f"event {str(component.get('UID', '?'))[:80]}: {'; '.join(errors)[:200]}")
            else:
                kept.append(component)
        holder.subcomponents[:] = kept
    return problems


def busy_intervals(cal: icalendar.Calendar, zone: ZoneInfo, window_start: datetime,
                   window_end: datetime) -> tuple[list[BusyInterval], list[str]]:
    """Busy intervals of every VEVENT occurrence overlapping the window, and the events that could
    not be read (each skipped with its reason, the rest still counted)."""
    problems = _drop_broken_events(cal)
    found: list[BusyInterval] = []
    try:
        occurrences = recurring_ical_events.of(cal, skip_bad_series=True).between(window_start, window_end)
    except Exception as exc:  # a rule the expander cannot follow: fall back to the master events
        problems.append(f"recurrence could not be expanded: {str(exc)[:150]}")
        occurrences = [c for c in cal.walk("VEVENT")]
    for component in occurrences:
        if component.name != "VEVENT" or _is_free(component):
            continue
        try:
            start_value = component["DTSTART"].dt
            end_value = _end_of(component, start_value)
            start, end = _to_utc(start_value, zone), _to_utc(end_value, zone)
        except Exception as exc:  # a VEVENT without DTSTART, or with a value that is not a time
            problems.append(f"event {str(component.get('UID', '?'))[:80]}: {str(exc)[:120] or type(exc).__name__}")
            continue
        if end <= start or end <= window_start or start >= window_end:
            continue
        found.append(BusyInterval(start=start, end=end, summary=str(component.get("SUMMARY", ""))[:300]))
    found.sort(key=lambda b: (b.start, b.end))
    return found, problems


def read_object(text: str, zone: ZoneInfo, window_start: datetime, window_end: datetime) -> tuple[ParsedObject, list[str]]:
    """One CalDAV object (one UID, maybe with overridden instances)."""
    cal = parse_calendar(text)
    events = list(cal.walk("VEVENT"))
    if not events:
        return ParsedObject(uid=None, own_store_id=None, recurring=False, intervals=[]), []
    master = next((e for e in events if e.get("RECURRENCE-ID") is None), events[0])
    uid = str(master.get("UID")) if master.get("UID") is not None else None
    recurring = any(e.get(p) is not None for e in events for p in ("RRULE", "RDATE"))
    own = own_store_of(uid, master)
    intervals, problems = busy_intervals(cal, zone, window_start, window_end)
    return ParsedObject(uid=uid, own_store_id=own, recurring=recurring, intervals=intervals), problems


def booking_event(*, uid: str, store_id: int, start: datetime, end: datetime, summary: str,
                  description: str = "", sequence: int = 0, stamp: datetime | None = None) -> str:
    """The hub's event for one booking: UTC times (no zone to get wrong), OPAQUE, marked as ours."""
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0))
    event.add("DTSTART", start.astimezone(UTC))
    event.add("DTEND", end.astimezone(UTC))
    event.add("SUMMARY", summary)
    if description:
        event.add("DESCRIPTION", description)
    event.add("SEQUENCE", sequence)
    event.add("TRANSP", "OPAQUE")
    event.add(OWN_PROPERTY, str(store_id))
    cal.add_component(event)
    return cal.to_ical().decode()
