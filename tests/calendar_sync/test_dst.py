"""DST: events written in America/New_York and Europe/Athens block the right instants across
both switches of each zone, whatever the store's own zone (properties over many times), and a
weekly series keeps its wall-clock time across a switch."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from hub_app.domain.calendar_sync.ics import read_object
from tests.calendar_sync.events import zoned_event

UTC = timezone.utc
# 2027's switches: New York 14 March / 7 November, Athens 28 March / 31 October.
SWITCHES = {"America/New_York": (date(2027, 3, 14), date(2027, 11, 7)),
            "Europe/Athens": (date(2027, 3, 28), date(2027, 10, 31))}
WINDOW = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 6, 1, tzinfo=UTC))


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """A wall-clock time that the zone really shows (not skipped by a spring-forward gap)."""
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@settings(max_examples=300, deadline=None)
@given(tz=st.sampled_from(sorted(SWITCHES)), which=st.sampled_from([0, 1]), offset_days=st.integers(-2, 2),
       minutes=st.integers(0, 24 * 60 - 1), length=st.integers(15, 180),
       store_tz=st.sampled_from(["Europe/Athens", "America/New_York", "UTC"]))
def test_zoned_events_block_their_own_local_time(tz, which, offset_days, minutes, length, store_tz):
    zone = ZoneInfo(tz)
    day = SWITCHES[tz][which] + timedelta(days=offset_days)
    start_wall = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    end_wall = start_wall + timedelta(minutes=length)
    if not (_exists(start_wall, zone) and _exists(end_wall, zone)):
        return  # a time the zone skips is not one a calendar app writes
    parsed, problems = read_object(zoned_event("p", tz, start_wall, end_wall), ZoneInfo(store_tz), *WINDOW)
    expected_start = start_wall.replace(tzinfo=zone).astimezone(UTC)
    expected_end = end_wall.replace(tzinfo=zone).astimezone(UTC)
    assert problems == []
    if expected_end <= expected_start:
        assert parsed.intervals == []  # the fall-back hour can make a short event end "before" it starts
        return
    [interval] = parsed.intervals
    assert (interval.start, interval.end) == (expected_start, expected_end)
    # And the store sees it at the same local time the event's author meant.
    assert interval.start.astimezone(zone).replace(tzinfo=None) == start_wall


@settings(max_examples=60, deadline=None)
@given(tz=st.sampled_from(sorted(SWITCHES)), which=st.sampled_from([0, 1]), hour=st.integers(6, 20))
def test_a_weekly_series_keeps_its_wall_clock_time_across_the_switch(tz, which, hour):
    zone = ZoneInfo(tz)
    first = datetime.combine(SWITCHES[tz][which] - timedelta(days=14), time(hour))
    text = zoned_event("weekly", tz, first, first + timedelta(hours=1), extra="RRULE:FREQ=WEEKLY;COUNT=5\n")
    parsed, _ = read_object(text, ZoneInfo("Europe/Athens"), *WINDOW)
    assert len(parsed.intervals) == 5
    local_starts = {i.start.astimezone(zone).time() for i in parsed.intervals}
    offsets = {i.start.astimezone(zone).utcoffset() for i in parsed.intervals}
    assert local_starts == {time(hour)} and len(offsets) == 2  # same wall time, both offsets


def test_an_all_day_event_on_a_switch_day_blocks_the_whole_local_day():
    zone = ZoneInfo("Europe/Athens")
    day = SWITCHES["Europe/Athens"][0]  # 23 hours long
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20270101T000000Z\r\n"
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    [interval] = read_object(text, zone, *WINDOW)[0].intervals
    assert interval.start == datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    assert interval.end == datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    assert interval.end - interval.start == timedelta(hours=23)
