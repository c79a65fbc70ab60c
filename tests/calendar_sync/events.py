"""iCalendar texts as other calendar clients write them, for the remote side of the tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

NEW_YORK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
"""

ATHENS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Athens
BEGIN:DAYLIGHT
TZOFFSETFROM:+0200
TZOFFSETTO:+0300
TZNAME:EEST
DTSTART:19700329T030000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0300
TZOFFSETTO:+0200
TZNAME:EET
DTSTART:19701025T040000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

VTIMEZONES = {"America/New_York": NEW_YORK_VTIMEZONE, "Europe/Athens": ATHENS_VTIMEZONE}


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def wrap(body: str, tz: str | None = None) -> str:
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test client//EN\n" + (VTIMEZONES[tz] if tz else "") + body + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n")


def vevent(uid: str, start: datetime, end: datetime, summary: str = "Dentist", extra: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:{_stamp()}\nDTSTART:{start.astimezone(timezone.utc).strftime(fmt)}\n"
            f"DTEND:{end.astimezone(timezone.utc).strftime(fmt)}\nSUMMARY:{summary}\n{extra}END:VEVENT\n")


def utc_event(uid: str, start: datetime, end: datetime, summary: str = "Dentist", extra: str = "") -> str:
    return wrap(vevent(uid, start, end, summary, extra))


def zoned_event(uid: str, tz: str, start: datetime, end: datetime, extra: str = "", summary: str = "Busy") -> str:
    """`start`/`end` are naive wall-clock times in `tz`, written with TZID and its VTIMEZONE."""
    fmt = "%Y%m%dT%H%M%S"
    return wrap(f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:{_stamp()}\nDTSTART;TZID={tz}:{start.strftime(fmt)}\n"
                f"DTEND;TZID={tz}:{end.strftime(fmt)}\nSUMMARY:{summary}\n{extra}END:VEVENT\n", tz)


def all_day_event(uid: str, day: date, days: int = 1) -> str:
    from datetime import timedelta
    return wrap(f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:{_stamp()}\nDTSTART;VALUE=DATE:{day:%Y%m%d}\n"
                f"DTEND;VALUE=DATE:{day + timedelta(days=days):%Y%m%d}\nSUMMARY:Holiday\nEND:VEVENT\n")
