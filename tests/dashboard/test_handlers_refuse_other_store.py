"""The dashboard's handlers act through the sections' `hub_app/manage/<section>/present.py`. A manager of store A who
sends store B's ids (edited in the page, replayed events) gets NotFound or PermissionDenied from
them and never B's data; nothing of B changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import NotFound, PermissionDenied
from hub_app.domain.notifications.models import Notification
from hub_app.domain.scheduling.models import BlockedPeriod, CalendarSlot, Service
from hub_app.domain.scheduling.service import add_block, add_calendar_slot
from hub_app.domain.stores.models import StorePhoto
from hub_app.domain.stores.photos import add_photo
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.bookings import present as bookings_section
from hub_app.manage.calendars import present as calendars_section
from hub_app.manage.clients import present as clients_section
from hub_app.manage.services import present as services_section
from hub_app.manage.shell import present as shell_section
from hub_app.manage.store import present as store_section
from hub_app.manage.subscription import present as subscription_section
from hub_app.settings import reset_settings_cache
from tests.bookings.helpers import build_shop
from tests.dashboard.helpers import MONDAY, act, add_booking, client, follow_export_link
from tests.dashboard.test_photos_and_messages import image_bytes
from tests.factories import make_user

REFUSED = (NotFound, PermissionDenied)


@pytest.fixture
def two_stores(committed_engine, tmp_path, monkeypatch):
    """Store A's manager context, and the ids of store B's rows (a booking, its client, a block,
    an extra slot, a photo)."""
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    reset_settings_cache()
    with unit_of_work(TenantContext.system()) as db:
        a, b = build_shop(db), build_shop(db)
        b_client = client(db)
        b_booking = add_booking(db, b, MONDAY + timedelta(days=3650), "10:00", who=b_client)
        act(db, TenantContext.system())  # only system work creates admins (row-level security)
        admin = make_user(db, UserRole.ADMIN)
        b_ctx = TenantContext.for_user(admin, b.store.id)
        act(db, b_ctx)
        block = add_block(db, b_ctx, b.local(MONDAY, "12:00"), b.local(MONDAY, "13:00"), calendar_id=b.calendars[0].id)
        slot = add_calendar_slot(db, b_ctx, b.calendars[0].id, b.local(MONDAY, "18:00"), b.local(MONDAY, "19:00"))
        photo = add_photo(db, b_ctx, image_bytes("PNG"))
        ids = dict(b_store=b.store.id, b_service=b.service.id, b_calendar=b.calendars[0].id, b_booking=b_booking.id,
                   b_client=b_client.id, b_block=block.id, b_slot=slot.id, b_photo=photo.id,
                   b_start=b_booking.start_at)
        a_ctx = TenantContext.for_user(a.manager)
    yield a_ctx, ids
    reset_settings_cache()


def _snapshot() -> dict:
    with unit_of_work(TenantContext.system()) as db:
        return {
            "bookings": [(b.id, b.status, b.start_at) for b in db.scalars(select(Booking).order_by(Booking.id))],
            "services": [(s.id, s.name, s.is_archived) for s in db.scalars(select(Service).order_by(Service.id))],
            "blocks": db.scalar(select(func.count(BlockedPeriod.id))),
            "slots": db.scalar(select(func.count(CalendarSlot.id))),
            "photos": db.scalar(select(func.count(StorePhoto.id))),
            "messages": db.scalar(select(func.count(Notification.id))),
        }


def test_booking_handlers_refuse_another_stores_booking(two_stores):
    ctx, b = two_stores
    before = _snapshot()
    booking = b["b_booking"]
    start = b["b_start"] + timedelta(hours=1)
    for call in (
        lambda: bookings_section.detail(ctx, booking),
        lambda: bookings_section.confirm(ctx, booking),
        lambda: bookings_section.cancel(ctx, booking, "taken over"),
        lambda: bookings_section.complete(ctx, booking),
        lambda: bookings_section.no_show(ctx, booking),
        lambda: bookings_section.reschedule(ctx, booking, start),
        lambda: bookings_section.free_times(ctx, b["b_service"], MONDAY),
        lambda: bookings_section.phone_booking(ctx, service_id=b["b_service"], start=start, persons=1, notes="",
                                               client_user_id=None, new_client={"first_name": "X"}),
        lambda: bookings_section.phone_booking(ctx, service_id=b["b_service"], start=start, persons=1, notes="",
                                               client_user_id=b["b_client"], new_client=None),
    ):
        with pytest.raises(REFUSED):
            call()
    assert _snapshot() == before
    rows, total, _ = bookings_section.list_page(ctx, BookingFilters(client_user_id=b["b_client"]), "", 20)
    assert (rows, total) == ([], 0)
    assert shell_section.find_clients(ctx, "") == []


def test_setup_handlers_refuse_another_stores_services_calendars_blocks_and_slots(two_stores):
    ctx, b = two_stores
    before = _snapshot()
    form = {"name": "Mine now", "duration_minutes": "30", "price_type": "fixed", "base_price_amount": "5",
            f"cal_{b['b_calendar']}": "on"}
    for call in (
        lambda: services_section.service_form(ctx, b["b_service"]),
        lambda: services_section.save_service(ctx, b["b_service"], form),
        lambda: services_section.save_service(ctx, None, form),
        lambda: services_section.archive_service(ctx, b["b_service"], True),
        lambda: services_section.delete_service(ctx, b["b_service"]),
        lambda: calendars_section.calendar_detail(ctx, b["b_calendar"]),
        lambda: calendars_section.update_calendar(ctx, b["b_calendar"], name="Mine"),
        lambda: calendars_section.save_weekly_hours(ctx, b["b_calendar"], {"day0": "09:00-10:00"}),
        lambda: calendars_section.set_override(ctx, b["b_calendar"], {"day": MONDAY.isoformat(), "closed": "on"}),
        lambda: calendars_section.clear_override(ctx, b["b_calendar"], MONDAY.isoformat()),
        lambda: calendars_section.add_block(ctx, b["b_calendar"], {"start_date": MONDAY.isoformat(), "start_time": "10:00",
                                                               "end_time": "11:00"}),
        lambda: calendars_section.remove_block(ctx, b["b_block"]),
        lambda: calendars_section.add_slot(ctx, b["b_calendar"], {"day": MONDAY.isoformat(), "start_time": "20:00",
                                                              "end_time": "21:00"}),
        lambda: calendars_section.remove_slot(ctx, b["b_slot"]),
        lambda: calendars_section.preview(ctx, b["b_service"], MONDAY),
    ):
        with pytest.raises(REFUSED):
            call()
    assert _snapshot() == before
    assert all(row["id"] != str(b["b_service"]) for row in services_section.services_list(ctx))


def test_store_clients_and_message_handlers_refuse_another_stores_ids(two_stores):
    ctx, b = two_stores
    photo_id = b["b_photo"]
    before = _snapshot()
    for call in (
        lambda: store_section.move_photo(ctx, photo_id, 1),
        lambda: store_section.delete_photo(ctx, photo_id),
        lambda: store_section.caption_photo(ctx, photo_id, "mine"),
        lambda: clients_section.client_detail(ctx, b["b_client"]),
        lambda: shell_section.send_message(ctx, audience="client", client_user_id=b["b_client"], day=None,
                                          channel="sms", subject="", body="Hello"),
    ):
        with pytest.raises(REFUSED):
            call()
    assert _snapshot() == before
    assert store_section.photo_rows(ctx) == []
    assert clients_section.client_rows(ctx, "", "", 20) == ([], 0, "")
    assert follow_export_link(clients_section.export_link(ctx, "")).count("\r\n") == 1  # the header only


def test_a_client_gets_no_dashboard_data_at_all(two_stores):
    _, b = two_stores
    with unit_of_work(TenantContext.system()) as db:
        person = db.get(AppUser, b["b_client"])
    ctx = TenantContext.for_user(person, b["b_store"])
    for call in (
        lambda: bookings_section.list_page(ctx, BookingFilters(), "", 20),
        lambda: bookings_section.detail(ctx, b["b_booking"]),
        lambda: services_section.services_list(ctx),
        lambda: store_section.store_form(ctx),
        lambda: subscription_section.subscription_data(ctx),
    ):
        with pytest.raises(REFUSED):
            call()

