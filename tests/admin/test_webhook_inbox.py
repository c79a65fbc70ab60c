"""The webhook inbox view after a delivery report failed as often as it may: listed as failed with
every attempt counted and the last error kept; a replay gives it one more attempt."""

from __future__ import annotations

import re

import pytest

from hub_app.domain.integrations import inbox
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from tests.admin.conftest import fetch, flashed
from tests.reliability.test_inbox_attempts import fail, queued, record  # noqa: F401 (fixture)
from workers.inbox_sweep import sweep_inbox
from workers.notification_actors import notification_tick, process_easysms_report
from workers.stripe_actors import process_stripe_event


def listed(html: str, pk: int) -> list[str]:
    """The cells of the list row of `pk` (after its checkbox and view link)."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > 2 and cells[2] == str(pk):
            return cells[2:]
    raise AssertionError(f"row {pk} is not listed")


def test_a_given_up_report_is_listed_as_failed_and_a_replay_tries_it_once_more(admin_client, queued):
    cap = inbox.max_attempts("easysms")
    report = record("easysms")
    fail("easysms", report, cap)

    # id, provider, event type, store, status, attempts, received, processed
    row = listed(admin_client.get("/admin/webhook-event/list").text, report)
    assert row[1] == "easysms" and row[4:6] == ["failed", str(cap)] and row[7] == ""
    assert "JSONDecodeError" in admin_client.get(f"/admin/webhook-event/details/{report}").text
    notification_tick()
    assert queued(process_easysms_report) == []

    replayed = admin_client.get(f"/admin/webhook-event/action/replay?pks={report}")
    assert "1 events reset for processing." in flashed(replayed.text)
    assert "The event was queued for processing." in replayed.text
    assert queued(process_easysms_report) == [report]  # at once, not at the next tick
    with pytest.raises(ValueError):
        process_easysms_report(report)
    event = fetch(WebhookEvent, report)
    assert (event.status, event.attempts) == (InboxStatus.FAILED, cap + 1)
    notification_tick()
    assert queued(process_easysms_report) == []


def test_a_replayed_stripe_event_is_queued_at_once(admin_client, queued):
    cap = inbox.max_attempts("stripe")
    event_id = record("stripe")
    fail("stripe", event_id, cap)
    sweep_inbox()
    assert queued(process_stripe_event) == []  # given up: the sweep leaves it alone

    replayed = admin_client.get(f"/admin/webhook-event/action/replay?pks={event_id}")
    assert "The event was queued for processing." in replayed.text
    assert queued(process_stripe_event) == [event_id]


def test_a_refused_stripe_event_is_listed_as_refused_with_its_reason(admin_client):
    """A plan event verified by the Connect secret: kept, never applied, and the admin sees why."""
    import json

    from hub_app import db as hub_db
    from hub_app.domain.billing.events import record_delivery
    from hub_app.domain.integrations.models import VerifiedBy
    from hub_app.domain.tenancy import TenantContext
    from workers.stripe_actors import process_stripe_event

    payload = json.dumps({"id": "evt_forged", "type": "customer.subscription.created", "created": 1,
                          "data": {"object": {"id": "sub_forged", "object": "subscription", "status": "trialing",
                                              "metadata": {"kind": "store_plan", "store_id": "1", "plan_id": "1"}}}})
    with hub_db.unit_of_work(TenantContext.system()) as db:
        event_id, _ = record_delivery(db, event_id="evt_forged", event_type="customer.subscription.created",
                                      payload=payload, verified_by=VerifiedBy.CONNECT)
    process_stripe_event(event_id)

    row = listed(admin_client.get("/admin/webhook-event/list").text, event_id)
    assert row[1] == "stripe" and row[4:6] == ["refused", "1"] and row[8] == "connect"
    assert "verified by the Connect secret" in admin_client.get(f"/admin/webhook-event/details/{event_id}").text
    assert fetch(WebhookEvent, event_id).status == InboxStatus.REFUSED
