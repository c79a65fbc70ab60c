"""CSV exports, client cards, calendar setup and the service/calendar changes of the dashboard."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.clients.card import client_card
from hub_app.domain.errors import Conflict, NotFound, PlanLimitReached, ValidationFailed
from hub_app.domain.reporting.exports import bookings_csv, clients_csv, safe_cell
from hub_app.domain.scheduling.service import (
    ServiceInput,
    add_block,
    add_calendar_slot,
    create_calendar,
    create_service,
    set_date_override,
)
from hub_app.domain.scheduling.setup import (
    calendar_setup,
    calendars,
    delete_service,
    set_service_calendars,
    update_calendar,
)
from hub_app.domain.tenancy import TenantContext
from tests.dashboard.helpers import MONDAY, act, add_booking, as_manager, client, time, two_shops


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_bookings_csv_follows_the_filters_and_neutralises_formulas(db):
    a, b = two_shops(db)
    sneaky = client(db)
    sneaky.first_name = "=HYPERLINK(\"http://x\")"
    add_booking(db, a, MONDAY, "09:00", who=sneaky, total="25.00")
    add_booking(db, a, MONDAY + timedelta(days=3), "09:00")
    add_booking(db, b, MONDAY, "09:00")
    ctx = as_manager(db, a)
    header, *rows = _rows(bookings_csv(db, ctx, BookingFilters(date_from=MONDAY, date_to=MONDAY)))
    assert header[:4] == ["id", "date", "start", "end"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["date"] == MONDAY.isoformat() and row["start"] == "09:00" and row["total"] == "25.00"
    assert row["client"].startswith("'=")
    assert safe_cell("-1") == "'-1" and safe_cell("Eleni") == "Eleni" and safe_cell(None) == ""


def test_clients_csv_lists_only_this_stores_clients(db):
    a, b = two_shops(db)
    here = client(db, email="here@example.com")
    there = client(db, email="there@example.com")
    add_booking(db, a, MONDAY, "09:00", who=here)
    add_booking(db, a, MONDAY, "10:00", who=here)
    add_booking(db, b, MONDAY, "09:00", who=there)
    ctx = as_manager(db, a)
    header, *rows = _rows(clients_csv(db, ctx))
    assert [dict(zip(header, r))["email"] for r in rows] == ["here@example.com"]
    assert dict(zip(header, rows[0]))["bookings"] == "2"


def test_client_card_shows_history_here_and_refuses_strangers(db):
    a, b = two_shops(db)
    both = client(db)
    only_b = client(db)
    add_booking(db, a, MONDAY, "09:00", who=both)
    add_booking(db, b, MONDAY, "09:00", who=both)
    add_booking(db, b, MONDAY, "10:00", who=only_b)
    ctx = as_manager(db, a)
    card = client_card(db, ctx, both.id)
    assert card.email == both.email and len(card.bookings) == 1
    with pytest.raises(NotFound):
        client_card(db, ctx, only_b.id)


def test_calendar_setup_lists_hours_overrides_blocks_and_slots(db):
    a, _ = two_shops(db)
    ctx = as_manager(db, a)
    cal = a.calendars[0]
    set_date_override(db, ctx, cal.id, MONDAY, [("10:00", "12:00")], reason="Short day")
    add_block(db, ctx, a.local(MONDAY, "13:00"), a.local(MONDAY, "14:00"), reason="Lunch")
    add_block(db, ctx, a.local(MONDAY, "15:00"), a.local(MONDAY, "16:00"), calendar_id=cal.id)
    add_calendar_slot(db, ctx, cal.id, a.local(MONDAY, "18:00"), a.local(MONDAY, "20:00"), capacity=3)
    setup = calendar_setup(db, ctx, cal.id, MONDAY)
    assert len(setup.weekly) == 7 and setup.weekly[0] == (0, time(9), time(17))
    assert setup.overrides == [(MONDAY, time(10), time(12), "Short day")]
    assert [(bl.calendar_id, bl.reason) for bl in setup.blocks] == [(None, "Lunch"), (cal.id, None)]
    assert [s.capacity_available for s in setup.slots] == [3]
    assert calendar_setup(db, ctx, cal.id, MONDAY + timedelta(days=1)).overrides == []


def test_calendar_changes_and_plan_limit_on_switching_back_on(db):
    a, b = two_shops(db)
    act(db, TenantContext.system())
    plan = SubscriptionPlan(name="One chair", price_amount=0, interval=PlanInterval.MONTH, max_calendars=1)
    db.add(plan)
    db.flush()
    a.store.current_subscription_plan_id = plan.id
    db.flush()
    ctx = as_manager(db, a)
    cal = a.calendars[0]
    update_calendar(db, ctx, cal.id, name="Main chair", color="#2A9D8F", is_active=False)
    second = create_calendar(db, ctx, "Second")
    with pytest.raises(PlanLimitReached):
        update_calendar(db, ctx, cal.id, is_active=True)
    with pytest.raises(ValidationFailed):
        update_calendar(db, ctx, second.id, color="teal")
    listed = {c.id: c for c in calendars(db, ctx)}
    assert listed[cal.id].name == "Main chair" and listed[cal.id].color == "#2a9d8f" and not listed[cal.id].is_active
    assert a.service.id in listed[cal.id].service_ids
    with pytest.raises(NotFound):
        update_calendar(db, ctx, b.calendars[0].id, name="Mine now")


def test_services_calendars_and_delete_only_without_bookings(db):
    a, b = two_shops(db)
    ctx = as_manager(db, a)
    fresh = create_service(db, ctx, ServiceInput(name="Beard", duration_minutes=15, price_type="fixed",
                                                 base_price_amount="9"))
    assert set_service_calendars(db, ctx, fresh.id, [a.calendars[0].id]) == [a.calendars[0].id]
    with pytest.raises(NotFound):
        set_service_calendars(db, ctx, fresh.id, [b.calendars[0].id])
    delete_service(db, ctx, fresh.id)
    add_booking(db, a, MONDAY, "09:00")
    act(db, ctx)
    with pytest.raises(Conflict):
        delete_service(db, ctx, a.service.id)
    with pytest.raises(NotFound):
        delete_service(db, ctx, b.service.id)
