"""Calendly API v2 over HTTP: our own dataclasses in, typed errors out.

Facts this follows (see the Calendly section of the integration notes): every resource is named
by a full URI and path endpoints take its trailing id; lists page with `page_token` until
`pagination.next_page_token` is null; 429 carries `X-RateLimit-Reset` (seconds to wait); 401 means
the token was revoked. 5xx and network failures are retried with exponential backoff, a 429 is
waited out when the reset is short, and everything else raises at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx

from hub_app.settings import get_settings

PAGE_SIZE = 100  # the documented maximum is unconfirmed; 100 is what the SDKs send


class CalendlyError(Exception):
    """A call to Calendly failed; `status` is the HTTP status (None when it never answered)."""

    def __init__(self, status: int | None, title: str, message: str = ""):
        super().__init__(f"Calendly {status or 'unreachable'}: {title}{' - ' + message if message else ''}")
        self.status = status
        self.title = title
        self.message = message


class CalendlyUnauthorized(CalendlyError):
    """The token is revoked or wrong: the connection cannot work until a manager reconnects."""


class CalendlyRateLimited(CalendlyError):
    def __init__(self, reset_seconds: int, message: str = ""):
        super().__init__(429, "Too Many Requests", message)
        self.reset_seconds = reset_seconds


class CalendlyServerError(CalendlyError):
    """Calendly kept failing (5xx) or could not be reached, after every retry."""


class CalendlyRequestError(CalendlyError):
    """Calendly refused the request (400, 403, 404, 409...): retrying will not help."""


class CalendlyNotFound(CalendlyRequestError):
    pass


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uuid_of(uri: str) -> str:
    """The trailing id of a resource URI (path endpoints take it, filters take the full URI)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CalendlyUser:
    uri: str
    name: str
    email: str
    timezone: str | None
    scheduling_url: str | None
    organization_uri: str

    @classmethod
    def from_json(cls, data: dict) -> "CalendlyUser":
        return cls(uri=data["uri"], name=data.get("name") or "", email=data.get("email") or "",
                   timezone=data.get("timezone"), scheduling_url=data.get("scheduling_url"),
                   organization_uri=data["current_organization"])


@dataclass(frozen=True)
class EventType:
    uri: str
    name: str
    active: bool
    slug: str | None
    duration_minutes: int | None
    scheduling_url: str | None
    kind: str | None

    @classmethod
    def from_json(cls, data: dict) -> "EventType":
        return cls(uri=data["uri"], name=data.get("name") or "", active=bool(data.get("active", True)),
                   slug=data.get("slug"), duration_minutes=data.get("duration"),
                   scheduling_url=data.get("scheduling_url"), kind=data.get("kind"))


@dataclass(frozen=True)
class ScheduledEvent:
    uri: str
    name: str
    status: str  # "active" or "canceled"
    start: datetime
    end: datetime
    event_type_uri: str | None
    invitees_active: int | None

    @classmethod
    def from_json(cls, data: dict) -> "ScheduledEvent":
        counter = data.get("invitees_counter") or {}
        return cls(uri=data["uri"], name=data.get("name") or "", status=data.get("status") or "active",
                   start=parse_time(data["start_time"]), end=parse_time(data["end_time"]),
                   event_type_uri=data.get("event_type"), invitees_active=counter.get("active"))


@dataclass(frozen=True)
class Invitee:
    uri: str
    event_uri: str
    email: str
    name: str
    first_name: str | None
    last_name: str | None
    status: str  # "active" or "canceled"
    timezone: str | None
    text_reminder_number: str | None
    questions_and_answers: tuple[tuple[str, str], ...]
    rescheduled: bool
    old_invitee_uri: str | None
    new_invitee_uri: str | None
    cancel_reason: str | None
    canceled_by: str | None

    @classmethod
    def from_json(cls, data: dict) -> "Invitee":
        cancellation = data.get("cancellation") or {}
        answers = tuple((str(qa.get("question") or ""), str(qa.get("answer") or ""))
                        for qa in data.get("questions_and_answers") or [])
        return cls(uri=data["uri"], event_uri=data["event"], email=data.get("email") or "",
                   name=data.get("name") or "", first_name=data.get("first_name"),
                   last_name=data.get("last_name"), status=data.get("status") or "active",
                   timezone=data.get("timezone"), text_reminder_number=data.get("text_reminder_number"),
                   questions_and_answers=answers, rescheduled=bool(data.get("rescheduled")),
                   old_invitee_uri=data.get("old_invitee"), new_invitee_uri=data.get("new_invitee"),
                   cancel_reason=cancellation.get("reason"), canceled_by=cancellation.get("canceled_by"))


@dataclass(frozen=True)
class WebhookSubscription:
    uri: str
    callback_url: str
    events: tuple[str, ...]
    scope: str
    organization_uri: str | None
    user_uri: str | None
    state: str  # "active" or "disabled"

    @classmethod
    def from_json(cls, data: dict) -> "WebhookSubscription":
        return cls(uri=data["uri"], callback_url=data.get("callback_url") or "",
                   events=tuple(data.get("events") or ()), scope=data.get("scope") or "",
                   organization_uri=data.get("organization"), user_uri=data.get("user"),
                   state=data.get("state") or "active")


class CalendlyClient:
    """One personal access token's view of Calendly. Use as a context manager (closes the pool)."""

    def __init__(self, token: str, *, base_url: str | None = None, timeout: float = 15.0,
                 max_retries: int = 3, backoff_seconds: float = 0.5, max_rate_limit_wait: int = 120,
                 max_rate_limit_waits: int = 3, sleep: Callable[[float], Any] = time.sleep,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = (base_url or get_settings().calendly_api_base).rstrip("/")
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_rate_limit_wait = max_rate_limit_wait
        self.max_rate_limit_waits = max_rate_limit_waits
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport,
            proxy=get_settings().outbound_http_proxy or None,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CalendlyClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None) -> dict | None:
        failures = 0
        rate_waits = 0
        while True:
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:
                if failures < self.max_retries:
                    self._sleep(self.backoff_seconds * 2 ** failures)
                    failures += 1
                    continue
                raise CalendlyServerError(None, type(exc).__name__, str(exc)) from exc
            status = response.status_code
            if status == 429:
                reset = _reset_seconds(response)
                if reset > self.max_rate_limit_wait or rate_waits >= self.max_rate_limit_waits:
                    raise CalendlyRateLimited(reset, _error_text(response)[1])
                self._sleep(reset)
                rate_waits += 1
                continue
            if status >= 500:
                if failures < self.max_retries:
                    self._sleep(self.backoff_seconds * 2 ** failures)
                    failures += 1
                    continue
                raise CalendlyServerError(status, *_error_text(response))
            if status == 401:
                raise CalendlyUnauthorized(status, *_error_text(response))
            if status == 404:
                raise CalendlyNotFound(status, *_error_text(response))
            if status >= 400:
                raise CalendlyRequestError(status, *_error_text(response))
            if status == 204 or not response.content:
                return None
            return response.json()

    def _paginate(self, path: str, params: dict) -> Iterator[dict]:
        params = {**params, "count": PAGE_SIZE}
        seen_tokens: set[str] = set()
        while True:
            data = self._request("GET", path, params=params) or {}
            yield from data.get("collection") or []
            token = (data.get("pagination") or {}).get("next_page_token")
            if not token:
                return
            if token in seen_tokens:  # a server bug must not turn into an endless loop
                raise CalendlyServerError(200, "Pagination loop", f"page token {token} repeated")
            seen_tokens.add(token)
            params = {**params, "page_token": token}

    # --- endpoints ---------------------------------------------------------------------------

    def get_me(self) -> CalendlyUser:
        return CalendlyUser.from_json(self._request("GET", "/users/me")["resource"])

    def list_event_types(self, *, user: str | None = None, organization: str | None = None,
                         active: bool | None = None) -> list[EventType]:
        # The API wants exactly one of user / organization.
        if (user is None) == (organization is None):
            raise ValueError("pass exactly one of user or organization")
        params: dict[str, Any] = {"user": user} if user else {"organization": organization}
        if active is not None:
            params["active"] = "true" if active else "false"
        return [EventType.from_json(item) for item in self._paginate("/event_types", params)]

    def list_scheduled_events(self, *, user: str | None, organization: str | None,
                              min_start_time: datetime | None = None, max_start_time: datetime | None = None,
                              status: str | None = None) -> list[ScheduledEvent]:
        # A user inside an organization must also name it (else 403), so both are sent.
        params: dict[str, Any] = {"sort": "start_time:asc"}
        if user:
            params["user"] = user
        if organization:
            params["organization"] = organization
        if min_start_time:
            params["min_start_time"] = format_time(min_start_time)
        if max_start_time:
            params["max_start_time"] = format_time(max_start_time)
        if status:
            params["status"] = status
        return [ScheduledEvent.from_json(item) for item in self._paginate("/scheduled_events", params)]

    def get_scheduled_event(self, uri: str) -> ScheduledEvent:
        return ScheduledEvent.from_json(self._request("GET", f"/scheduled_events/{uuid_of(uri)}")["resource"])

    def list_invitees(self, event_uri: str, *, status: str | None = None) -> list[Invitee]:
        params = {"status": status} if status else {}
        path = f"/scheduled_events/{uuid_of(event_uri)}/invitees"
        return [Invitee.from_json(item) for item in self._paginate(path, params)]

    def create_webhook_subscription(self, *, url: str, events: list[str], organization: str, scope: str,
                                    user: str | None = None, signing_key: str | None = None) -> WebhookSubscription:
        body: dict[str, Any] = {"url": url, "events": events, "organization": organization, "scope": scope}
        if user:
            body["user"] = user
        if signing_key:
            body["signing_key"] = signing_key
        return WebhookSubscription.from_json(self._request("POST", "/webhook_subscriptions", json=body)["resource"])

    def list_webhook_subscriptions(self, *, organization: str, scope: str,
                                   user: str | None = None) -> list[WebhookSubscription]:
        params = {"organization": organization, "scope": scope, **({"user": user} if user else {})}
        return [WebhookSubscription.from_json(item) for item in self._paginate("/webhook_subscriptions", params)]

    def get_webhook_subscription(self, uri: str) -> WebhookSubscription:
        data = self._request("GET", f"/webhook_subscriptions/{uuid_of(uri)}")
        return WebhookSubscription.from_json(data["resource"])

    def delete_webhook_subscription(self, uri: str) -> None:
        self._request("DELETE", f"/webhook_subscriptions/{uuid_of(uri)}")


def _reset_seconds(response: httpx.Response) -> int:
    try:
        return max(0, int(float(response.headers.get("X-RateLimit-Reset", "60"))))
    except ValueError:
        return 60


def _error_text(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or str(response.status_code), response.text[:200]
    if not isinstance(body, dict):
        return str(response.status_code), ""
    return str(body.get("title") or response.reason_phrase), str(body.get("message") or "")
