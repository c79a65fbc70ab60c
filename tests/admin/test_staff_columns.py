"""The admin shows and edits what staff choice added: the store's rule for anyone, the calendars'
order and photos, the round-robin turns, and whether the client chose the person."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import Calendar, CalendarService, PriceType, Service
from hub_app.domain.stores.models import Store
from tests.admin.conftest import fetch, seed
from tests.factories import T0

STORE_FORM = {"name": "Salon Athina", "slug": "salon-athina", "timezone": "Europe/Athens", "locale": "en",
              "currency": "EUR", "cancellation_cutoff_hours": "24", "min_notice_minutes": "60",
              "booking_horizon_days": "60", "payment_hold_minutes": "15", "reminder_hours_before": "24",
              "is_active": "y", "current_subscription_plan_id": "", "save": "Save"}


def test_the_rule_for_anyone_is_chosen_from_the_three_and_checked(admin_client, shop):
    store, _, _ = shop
    page = admin_client.get(f"/admin/store/edit/{store.id}").text
    assert 'name="anyone_rule"' in page and "round_robin" in page and "The least busy that day" in page
    response = admin_client.post(f"/admin/store/edit/{store.id}", data={**STORE_FORM, "anyone_rule": "round_robin"},
                                 follow_redirects=False)
    assert response.status_code == 302, response.text
    assert fetch(Store, store.id).anyone_rule == "round_robin"
    bad = admin_client.post(f"/admin/store/edit/{store.id}", data={**STORE_FORM, "anyone_rule": "coin_flip"})
    assert bad.status_code == 400 and fetch(Store, store.id).anyone_rule == "round_robin"
    # A form without the field leaves the rule as it is.
    assert admin_client.post(f"/admin/store/edit/{store.id}", data=STORE_FORM,
                             follow_redirects=False).status_code == 302
    assert fetch(Store, store.id).anyone_rule == "round_robin"


def test_calendar_order_turns_and_requested_bookings_are_shown(admin_client, shop):
    store, _, client_user = shop

    def build(db):
        cal = Calendar(store_id=store.id, name="Anna", priority=3, photo_path="calendars/1/a.jpg",
                       photo_thumbnail_path="calendars/1/a_thumb.jpg")
        service = Service(store_id=store.id, name="Cut", duration_minutes=30, price_type=PriceType.FIXED,
                          base_price_amount=Decimal("20.00"))
        db.add_all([cal, service])
        db.flush()
        db.add(CalendarService(calendar_id=cal.id, service_id=service.id, store_id=store.id, last_assigned_turn=7))
        db.add(Booking(store_id=store.id, client_user_id=client_user.id, service_id=service.id, calendar_id=cal.id,
                       start_at=T0, end_at=T0 + timedelta(minutes=30), booking_date=T0.date(), start_time=T0.time(),
                       end_time=(T0 + timedelta(minutes=30)).time(), status=BookingStatus.CONFIRMED,
                       total_amount=Decimal("20.00"), staff_requested=True))
        db.flush()
        return cal.id

    cal_id = seed(build)
    listing = admin_client.get("/admin/calendar/list").text
    assert "Order" in listing and "calendars/1/a_thumb.jpg" in listing
    assert "Photo" in admin_client.get(f"/admin/calendar/details/{cal_id}").text
    edit = admin_client.get(f"/admin/calendar/edit/{cal_id}").text
    assert 'name="priority"' in edit
    response = admin_client.post(f"/admin/calendar/edit/{cal_id}", data={
        "store_id": str(store.id), "name": "Anna", "color": "", "is_active": "y", "priority": "1", "save": "Save"},
        follow_redirects=False)
    assert response.status_code == 302, response.text
    assert fetch(Calendar, cal_id).priority == 1
    assert "Last round-robin turn" in admin_client.get("/admin/calendar-service/list").text
    assert "Person chosen by the client" in admin_client.get("/admin/booking/list").text
