"""How the domain reaches a CalDAV server: an interface that speaks only this package's types.

The errors say what went wrong in terms the sync can act on: `CalendarAuthFailed` (401/403, the
manager must fix the credentials), `CalendarNotFound` (404), `CalendarPreconditionFailed` (412,
the ETag moved), `CalendarUnavailable` (5xx, timeouts, refused connections: try again later) and
`CalendarBadResponse` (the server answered something that is not CalDAV, e.g. an HTML page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class CalendarSyncError(Exception):
    """A remote calendar could not be used; `retryable` errors go back to the queue with backoff."""

    retryable = True
    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class CalendarAuthFailed(CalendarSyncError):
    status = 401


class CalendarNotFound(CalendarSyncError):
    status = 404


class CalendarPreconditionFailed(CalendarSyncError):
    status = 412


class CalendarUnavailable(CalendarSyncError):
    """5xx, timeouts, connection refused."""


class CalendarBadResponse(CalendarSyncError):
    """Not a CalDAV/iCalendar answer (an HTML page, a redirect to a login form, too large)."""

    retryable = False


@dataclass(frozen=True)
class RemoteCalendar:
    url: str
    name: str
    # Whether the calendar holds events (VEVENT); task-only lists are not offered.
    supports_events: bool = True


@dataclass(frozen=True)
class RemoteObject:
    href: str          # absolute URL of the object
    etag: str | None
    data: str | None   # the iCalendar text; None when only the ETag was listed


@dataclass
class RemoteChanges:
    """What changed in a remote calendar since `sync_token` (or everything, when `full`)."""

    changed: list[RemoteObject] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    sync_token: str | None = None
    # A full listing: objects not in it are gone (the server lost or refused the old token).
    full: bool = False


class CalDavClient(Protocol):
    """One server, one user. Implementations raise only the errors of this module."""

    def calendars(self) -> list[RemoteCalendar]: ...

    def changes(self, calendar_url: str, sync_token: str | None,
                known_etags: dict[str, str | None]) -> RemoteChanges:
        """Objects changed since `sync_token` (RFC 6578), with their data.

        Without a usable token, lists every object's ETag and fetches only those whose ETag
        differs from `known_etags` (ctag/etag fallback), reporting `full=True`."""
        ...

    def put(self, url: str, ics: str, *, etag: str | None, create: bool) -> str | None:
        """Write an object. `create`: only if absent (If-None-Match: *); else If-Match `etag` when
        given. Returns the new ETag when the server says it."""
        ...

    def etag_of(self, url: str) -> str | None:
        """The object's current ETag, or None when it does not exist."""
        ...

    def delete(self, url: str) -> bool:
        """Remove an object; False when it was already gone."""
        ...
