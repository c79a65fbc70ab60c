"""A read-only .ics URL as a busy source: fetched whole, at most MAX_FEED_BYTES, read as one
calendar whose events each become a remote object (keyed by UID), so the inbound path and its
incremental bookkeeping are the same as for CalDAV (an unchanged event is not rewritten).
"""

from __future__ import annotations

import hashlib

import httpx
import icalendar

from hub_app.domain.calendar_sync.client import (
    CalendarAuthFailed, CalendarBadResponse, CalendarNotFound, CalendarUnavailable, RemoteChanges, RemoteObject,
)
from hub_app.domain.calendar_sync.ics import IcsError, parse_calendar

MAX_FEED_BYTES = 10 * 1024 * 1024
TIMEOUT_SECONDS = 20


def fetch_feed(url: str, *, max_bytes: int = MAX_FEED_BYTES, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The feed's bytes; stops reading (and refuses) past `max_bytes` instead of filling memory."""
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True,
                          headers={"Accept": "text/calendar"}) as response:
            if response.status_code in (401, 403):
                raise CalendarAuthFailed(f"the feed refused access ({response.status_code})", status=response.status_code)
            if response.status_code == 404:
                raise CalendarNotFound("the feed was not found (404)", status=404)
            if response.status_code >= 500 or response.status_code == 429:
                raise CalendarUnavailable(f"the feed is unavailable ({response.status_code})", status=response.status_code)
            if response.status_code >= 300:
                raise CalendarBadResponse(f"unexpected answer {response.status_code}", status=response.status_code)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise CalendarBadResponse(f"the feed is larger than {max_bytes // (1024 * 1024)} MB")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise CalendarBadResponse(f"the feed is larger than {max_bytes // (1024 * 1024)} MB")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise CalendarUnavailable("the feed did not answer in time") from exc
    except httpx.HTTPError as exc:
        raise CalendarUnavailable(f"the feed could not be reached ({type(exc).__name__})") from exc


def feed_changes(body: bytes, known_etags: dict[str, str | None]) -> RemoteChanges:
    """Split the feed into one object per UID (with its timezones); the ETag is a content hash."""
    try:
        cal = parse_calendar(body)
    except IcsError as exc:
        raise CalendarBadResponse(str(exc)) from exc
    timezones = [c for c in cal.walk("VTIMEZONE")]
    by_uid: dict[str, list] = {}
    for n, event in enumerate(cal.walk("VEVENT")):
        uid = str(event.get("UID") or f"no-uid-{n}")
        by_uid.setdefault(uid, []).append(event)
    changes = RemoteChanges(full=True)
    listed = set()
    for uid, events in by_uid.items():
        single = icalendar.Calendar()
        single.add("PRODID", "-//Appointment Hub//ICS import//EN")
        single.add("VERSION", "2.0")
        for tz in timezones:
            single.add_component(tz)
        for event in events:
            single.add_component(event)
        try:
            text = single.to_ical().decode()
        except Exception:  # noqa: BLE001 - an event icalendar cannot write back is kept as-is text
            text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + "".join(e.to_ical().decode() for e in events) + "END:VCALENDAR\r\n"
        # Keyed by UID, not by the feed URL: short whatever the URL, stable when the URL changes.
        href = f"ics:{hashlib.sha256(uid.encode()).hexdigest()[:40]}"
        etag = hashlib.sha256(text.encode()).hexdigest()[:40]
        listed.add(href)
        if known_etags.get(href) != etag:
            changes.changed.append(RemoteObject(href=href, etag=etag, data=text))
    changes.deleted = sorted(set(known_etags) - listed)
    return changes
