"""The Calendly settings page says where each hub calendar writes its bookings, and warns when a
Calendly-linked calendar writes nowhere (Calendly would keep offering its booked times)."""

from __future__ import annotations

from hub_app import db as hub_db
from hub_app.domain.calendar_sync.calendly_targets import write_targets
from hub_app.domain.integrations.models import CalendlyEventTypeLink
from hub_app.domain.scheduling.service import create_calendar
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.integrations.present import calendly_status
from tests.calendar_sync.test_inbound import connect


def test_each_calendar_says_where_it_writes_and_a_linked_one_without_target_is_flagged(shop, radicale):
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        second = create_calendar(db, ctx, "Room B").id
    with hub_db.unit_of_work(TenantContext.system(shop.store_id)) as db:
        for n, calendar_id in enumerate((shop.calendar_id, second)):
            db.add(CalendlyEventTypeLink(store_id=shop.store_id, event_type_uri=f"https://api.calendly.com/event_types/E{n}",
                                         calendar_id=calendar_id, service_id=shop.service_id, name=f"Type {n}"))
    with hub_db.unit_of_work(ctx) as db:
        before = {w.calendar_id: w for w in write_targets(db, ctx)}
    assert before[shop.calendar_id].needs_target and before[second].needs_target

    target = radicale.new_calendar()
    connect(shop, radicale, [], target)
    with hub_db.unit_of_work(ctx) as db:
        after = {w.calendar_id: w for w in write_targets(db, ctx)}
    assert not after[shop.calendar_id].needs_target
    assert after[shop.calendar_id].target == target.split("://", 1)[1].rstrip("/")
    assert after[second].needs_target and after[second].target is None

    rows = {r["calendar"]: r for r in calendly_status(ctx)["write_targets"]}  # what the page shows
    assert rows["Chair 1"]["warn"] == "" and rows["Chair 1"]["target"].endswith(target.rstrip("/").rsplit("/", 1)[1])
    assert rows["Room B"] == {**rows["Room B"], "warn": "1", "target": "", "calendly": "1"}
