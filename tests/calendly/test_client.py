"""The real httpx Calendly client against the fake Calendly server (no database needed)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub_app.domain.calendly.client import (
    CalendlyClient, CalendlyNotFound, CalendlyRateLimited, CalendlyRequestError, CalendlyServerError,
    CalendlyUnauthorized,
)
from tests.calendly.conftest import TOKEN


def client_for(fake, sleeps: list, token: str = TOKEN, **kw) -> CalendlyClient:
    # The sleep is recorded instead of slept, so the waits can be checked and the tests stay fast.
    return CalendlyClient(token, base_url=fake.base_url, sleep=sleeps.append, backoff_seconds=0.25, **kw)


def test_me_and_every_page_of_event_types(fake):
    names = [f"Type {i}" for i in range(5)]
    for name in names:
        fake.add_event_type(name)
    fake.add_event_type("Someone else's", owner=f"{fake.base_url}/users/U999")
    with client_for(fake, []) as client:
        me = client.get_me()
        event_types = client.list_event_types(user=me.uri)
    assert me.uri == fake.user_uri and me.organization_uri == fake.organization_uri
    assert [e.name for e in event_types] == names
    assert event_types[0].duration_minutes == 30 and event_types[0].uri.startswith(fake.base_url + "/event_types/")
    pages = [q for method, path, q in fake.requests if path == "/event_types"]
    assert len(pages) == 3  # 2 + 2 + 1 with the server capping pages at 2
    assert "page_token" not in pages[0] and all("page_token" in q for q in pages[1:])
    assert all(q["user"] == fake.user_uri for q in pages)


def test_scheduled_events_are_filtered_and_paged_and_invitees_listed(fake):
    event_type = fake.add_event_type("Cut")
    now = datetime.now(timezone.utc)
    fake.book(event_type, now - timedelta(days=1), email="past@example.com")
    future = [fake.book(event_type, now + timedelta(days=d), email=f"f{d}@example.com") for d in (3, 1, 2)]
    cancelled = fake.book(event_type, now + timedelta(days=4), email="gone@example.com")
    fake.cancel(cancelled["uri"])
    with client_for(fake, []) as client:
        events = client.list_scheduled_events(user=fake.user_uri, organization=fake.organization_uri,
                                              min_start_time=now, status="active")
        invitees = client.list_invitees(events[0].uri, status="active")
        one = client.get_scheduled_event(events[0].uri)
    assert [e.start for e in events] == sorted(e.start for e in events) and len(events) == 3
    assert {e.uri for e in events} == {i["event"] for i in future}
    assert events[0].event_type_uri == event_type and events[0].invitees_active == 1
    assert [i.email for i in invitees] == ["f1@example.com"] and invitees[0].event_uri == events[0].uri
    assert one.uri == events[0].uri
    assert len([1 for _, path, _ in fake.requests if path == "/scheduled_events"]) == 2


def test_revoked_token_raises_unauthorized(fake):
    fake.revoke(TOKEN)
    with client_for(fake, []) as client, pytest.raises(CalendlyUnauthorized) as caught:
        client.get_me()
    assert caught.value.status == 401 and caught.value.title == "Unauthenticated"


def test_rate_limit_waits_for_the_reset_then_succeeds(fake):
    fake.rate_limit_next(2, reset_seconds=7)
    sleeps: list = []
    with client_for(fake, sleeps) as client:
        assert client.get_me().uri == fake.user_uri
    assert sleeps == [7, 7]


def test_rate_limit_with_a_long_reset_is_raised_with_the_reset(fake):
    fake.rate_limit_next(1, reset_seconds=600)
    sleeps: list = []
    with client_for(fake, sleeps, max_rate_limit_wait=120) as client, pytest.raises(CalendlyRateLimited) as caught:
        client.get_me()
    assert caught.value.reset_seconds == 600 and sleeps == []


def test_server_errors_are_retried_with_backoff(fake):
    fake.fail_next(500, 502, 503)
    sleeps: list = []
    with client_for(fake, sleeps) as client:
        assert client.get_me().uri == fake.user_uri
    assert sleeps == [0.25, 0.5, 1.0]


def test_server_errors_beyond_the_retries_raise(fake):
    fake.fail_next(500, 500, 500, 500)
    sleeps: list = []
    with client_for(fake, sleeps) as client, pytest.raises(CalendlyServerError) as caught:
        client.get_me()
    assert caught.value.status == 500 and len(sleeps) == 3
    assert not fake.failures  # every attempt reached the server


def test_unreachable_calendly_is_a_server_error(fake):
    sleeps: list = []
    with CalendlyClient(TOKEN, base_url="http://127.0.0.1:9", sleep=sleeps.append, backoff_seconds=0.01,
                        max_retries=2) as client, pytest.raises(CalendlyServerError) as caught:
        client.get_me()
    assert caught.value.status is None and len(sleeps) == 2


def test_webhook_subscription_create_list_get_delete(fake):
    with client_for(fake, []) as client:
        created = client.create_webhook_subscription(
            url="https://hub.example/webhooks/calendly/1", events=["invitee.created", "invitee.canceled"],
            organization=fake.organization_uri, scope="user", user=fake.user_uri, signing_key="k" * 32)
        assert created.state == "active" and created.callback_url == "https://hub.example/webhooks/calendly/1"
        assert fake.signing_keys[created.uri.rsplit("/", 1)[-1]] == "k" * 32
        with pytest.raises(CalendlyRequestError) as duplicate:
            client.create_webhook_subscription(url="https://hub.example/webhooks/calendly/1", events=["invitee.created"],
                                               organization=fake.organization_uri, scope="user", user=fake.user_uri)
        assert duplicate.value.status == 409
        listed = client.list_webhook_subscriptions(organization=fake.organization_uri, scope="user", user=fake.user_uri)
        assert [s.uri for s in listed] == [created.uri]
        fake.disable_subscription(created.uri)
        assert client.get_webhook_subscription(created.uri).state == "disabled"
        client.delete_webhook_subscription(created.uri)
        with pytest.raises(CalendlyNotFound):
            client.get_webhook_subscription(created.uri)
