"""`CalDavClient` on the `caldav` package (RFC 4791 + RFC 6578), errors mapped to client.py's.

The package negotiates Basic/Digest and parses multistatus answers; this module keeps its objects
inside and hands out only RemoteCalendar / RemoteObject / RemoteChanges. It uses only what the
package's 2.x and 3.x releases both offer (`objects_by_sync_token`, `multiget`, raw `put`/
`delete`), reading the newer options (`disable_fallback`, `deleted_urls`) only where present.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urljoin

import caldav
from caldav.lib import error as dav_error
from caldav.lib.url import URL

from hub_app.domain.calendar_sync.client import (
    CalendarAuthFailed, CalendarBadResponse, CalendarNotFound, CalendarPreconditionFailed, CalendarSyncError,
    CalendarUnavailable, RemoteCalendar, RemoteChanges, RemoteObject,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A first read of a large calendar (thousands of objects in one sync-collection REPORT) takes
# tens of seconds on a busy server; shorter waits made it fail over and over.
TIMEOUT_SECONDS = 60
# Objects fetched per calendar-multiget REPORT: few round trips, bounded answers.
MULTIGET_BATCH = 200
# One calendar object larger than this is not an appointment: skipped, not parsed.
MAX_OBJECT_BYTES = 1_000_000


def _status_error(status: int, what: str) -> CalendarSyncError:
    if status in (401, 403):
        return CalendarAuthFailed(f"{what}: the server refused the user name or app password ({status})", status=status)
    if status == 404:
        return CalendarNotFound(f"{what}: not found on the server (404)", status=404)
    if status == 412:
        return CalendarPreconditionFailed(f"{what}: changed on the server meanwhile (412)", status=412)
    if status >= 500 or status == 429:
        return CalendarUnavailable(f"{what}: the server is unavailable ({status})", status=status)
    return CalendarBadResponse(f"{what}: unexpected answer {status}", status=status)


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    """Turn whatever the caldav package or the HTTP layer raises into this package's errors."""
    try:
        yield
    except CalendarSyncError:
        raise
    except dav_error.AuthorizationError as exc:
        raise CalendarAuthFailed(f"{what}: the server refused the user name or app password", status=401) from exc
    except dav_error.NotFoundError as exc:
        raise CalendarNotFound(f"{what}: not found on the server (404)", status=404) from exc
    except dav_error.DAVError as exc:
        if type(exc).__name__ == "RateLimitError":
            raise CalendarUnavailable(f"{what}: the server asks to slow down", status=429) from exc
        reason = str(getattr(exc, "reason", "") or exc)
        code = next((int(word) for word in reason.replace("(", " ").split() if word.isdigit() and len(word) == 3), None)
        if code is not None and code >= 500:
            raise CalendarUnavailable(f"{what}: the server is unavailable ({code})", status=code) from exc
        raise CalendarBadResponse(f"{what}: the server does not answer like a CalDAV server ({reason[:200]})") from exc
    except (TimeoutError, ConnectionError, OSError) as exc:
        raise CalendarUnavailable(f"{what}: the server could not be reached ({type(exc).__name__})") from exc
    except Exception as exc:  # niquests' own timeouts/connection errors, lxml parse errors of HTML pages
        name = type(exc).__name__
        if "Timeout" in name or "Connection" in name:
            raise CalendarUnavailable(f"{what}: the server could not be reached ({name})") from exc
        raise CalendarBadResponse(f"{what}: the server does not answer like a CalDAV server ({name})") from exc


def _call(what: str, fn: Callable[[], T]) -> T:
    with _mapped(what):
        return fn()


class CaldavPackageClient:
    """A CalDAV account reached with the `caldav` package."""

    def __init__(self, url: str, username: str | None, password: str | None, *, timeout: int = TIMEOUT_SECONDS):
        self.url = url
        options = dict(url=url, username=username or None, password=password or None, timeout=timeout)
        accepted = inspect.signature(caldav.DAVClient.__init__).parameters
        # Newer releases: no DNS discovery for a given URL, and 429/503 come back to our backoff
        # instead of sleeping inside the worker.
        options.update({k: False for k in ("enable_rfc6764", "rate_limit_handle") if k in accepted})
        self._client = caldav.DAVClient(**options)

    # --- reading -------------------------------------------------------------------------------

    def calendars(self) -> list[RemoteCalendar]:
        def listing() -> list[RemoteCalendar]:
            principal = self._client.principal()
            found = []
            for cal in principal.calendars():
                try:
                    components = cal.get_supported_components()
                except Exception:  # noqa: BLE001 - optional property; assume events
                    components = ["VEVENT"]
                name = cal.get_display_name() or str(cal.url).rstrip("/").rsplit("/", 1)[-1]
                found.append(RemoteCalendar(url=str(cal.url), name=str(name),
                                            supports_events="VEVENT" in (components or ["VEVENT"])))
            return found

        return _call("Listing calendars", listing)

    def _calendar(self, url: str):
        return self._client.calendar(url=url)

    def changes(self, calendar_url: str, sync_token: str | None,
                known_etags: dict[str, str | None]) -> RemoteChanges:
        calendar = self._calendar(calendar_url)
        result = RemoteChanges()
        with _mapped("Reading the calendar"):
            collection = None
            if sync_token:
                try:
                    collection = _sync_collection(calendar, sync_token)
                except dav_error.AuthorizationError:
                    raise
                except dav_error.DAVError:
                    collection = None  # token expired or refused (RFC 6578 3.8): read everything
            if collection is None:
                collection = _sync_collection(calendar, None)
                result.full = True
            result.sync_token = str(collection.sync_token) if collection.sync_token else None
            deleted = {str(u) for u in (getattr(collection, "deleted_urls", None) or ())}
            listed: dict[str, str | None] = {}
            for obj in collection.objects:
                href = str(obj.url)
                etag = (getattr(obj, "props", None) or {}).get("{DAV:}getetag")
                if href in deleted or etag is None:
                    # RFC 6578 3.5.2: a removed member is reported with 404 and no properties
                    # (Radicale reports such tombstones in an initial sync too).
                    deleted.add(href)
                    continue
                listed[href] = etag
            result.deleted = sorted(deleted)
            wanted = [href for href, etag in listed.items()
                      if not result.full or known_etags.get(href) != etag]
            for start in range(0, len(wanted), MULTIGET_BATCH):
                batch = wanted[start:start + MULTIGET_BATCH]
                for obj in calendar.multiget([URL.objectify(h) for h in batch]):
                    href = str(obj.url)
                    data = obj.data if isinstance(obj.data, str) else None
                    if data is not None and len(data) > MAX_OBJECT_BYTES:
                        data = None
                    result.changed.append(RemoteObject(href=href, etag=listed.get(href), data=data))
            if result.full:
                # In a full listing, what we knew and is no longer listed is gone.
                result.deleted = sorted(set(result.deleted) | (set(known_etags) - set(listed)))
        return result

    def etag_of(self, url: str) -> str | None:
        with _mapped("Reading an event"):
            response = self._client.request(url, "HEAD")
            if response.status == 404:
                return None
            if response.status >= 300:
                raise _status_error(response.status, "Reading an event")
            return response.headers.get("ETag") or response.headers.get("etag")

    # --- writing -------------------------------------------------------------------------------

    def put(self, url: str, ics: str, *, etag: str | None, create: bool) -> str | None:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if create:
            headers["If-None-Match"] = "*"
        elif etag:
            headers["If-Match"] = etag
        with _mapped("Writing an event"):
            response = self._client.put(url, ics, headers)
        if response.status not in (200, 201, 204):
            raise _status_error(response.status, "Writing an event")
        return response.headers.get("ETag") or response.headers.get("etag")

    def delete(self, url: str) -> bool:
        with _mapped("Removing an event"):
            response = self._client.delete(url)
        if response.status == 404:
            return False
        if response.status not in (200, 202, 204):
            raise _status_error(response.status, "Removing an event")
        return True


def _sync_collection(calendar, token: str | None):
    """One sync-collection REPORT, never silently replaced by a full read (we decide that)."""
    method = getattr(calendar, "get_objects_by_sync_token", None) or calendar.objects_by_sync_token
    if "disable_fallback" in inspect.signature(method).parameters and token:
        return method(sync_token=token, load_objects=False, disable_fallback=True)
    return method(sync_token=token, load_objects=False)


def object_url(calendar_url: str, name: str) -> str:
    """The URL of a calendar member named `name` (a path segment the hub chose)."""
    return urljoin(calendar_url if calendar_url.endswith("/") else calendar_url + "/", name)
