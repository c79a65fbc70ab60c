"""Every dashboard event that takes an id (as an argument, inside a submitted form, or kept in the
page's state by an earlier event) is sent by store A's manager with store B's ids, through the
page states themselves, as a tampered websocket message would: each is refused, nothing of B
reaches A's page state, and none of B's rows changes. A completeness check makes a new handler
that takes an id or a form fail here until it is probed (or said to carry no id)."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hub_app.db import unit_of_work
from hub_app.domain import models
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.api_keys.service import create_api_key
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.integrations.models import CalendlyEventTypeLink
from hub_app.domain.outbound_webhooks.endpoints import create_endpoint
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, WebhookDelivery
from hub_app.domain.scheduling.service import add_block, add_calendar_slot
from hub_app.domain.stores.photos import add_photo
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.manage.bookings.state import BookingsState
from hub_app.manage.calendars.staff_state import StaffState
from hub_app.manage.calendars.state import CalendarsState

# Every state imported: the walk below finds them as subclasses.
from hub_app.manage.clients.state import (
    ClientPrivacyState,
    ClientsState,  # noqa: F401
)
from hub_app.manage.integrations.api_access_state import ApiAccessState
from hub_app.manage.integrations.state import IntegrationsState
from hub_app.manage.notifications.state import NotificationsState  # noqa: F401
from hub_app.manage.overview.state import OverviewState  # noqa: F401
from hub_app.manage.services.state import ServicesState
from hub_app.manage.shell.state import ManageState
from hub_app.manage.store.state import StoreSettingsState
from hub_app.manage.subscription.state import SubscriptionState  # noqa: F401
from hub_app.settings import reset_settings_cache
from tests.bookings.helpers import build_shop
from tests.dashboard.helpers import MONDAY, act, add_booking, client
from tests.dashboard.test_photos_and_messages import image_bytes
from tests.factories import make_user
from tests.page_states import open_page, run, state_text

# B's texts: none of them may ever show up in A's page state.
B_MARKERS = ("Beta secret salon", "B-secret-service", "B-secret-chair", "b.secret@example.com", "B-secret-note",
             "B-secret-photo", "B-secret-mapping", "event_types/B-secret", "b-secret-hooks", "B-secret-key")
B_EVENT_TYPE = "https://api.calendly.com/event_types/B-secret"
DAY = MONDAY.isoformat()

# Handlers that take a form but no id of anything: what they touch is the acting store's own.
NO_IDS = {
    ("CalendarsState", "create"),                 # a new calendar, in the manager's store
    ("StaffState", "save_rule"),                  # the manager's own store's rule for "anyone"
    ("IntegrationsState", "connect"),             # a Calendly token for the manager's store
    ("OverviewState", "custom_period"),           # two dates
    ("NotificationsState", "save_template"),      # kind, channel, language, texts
    ("NotificationsState", "save_reminder_hours"),
    ("StoreSettingsState", "save"),               # the manager's own store's details
    ("StoreSettingsState", "save_embedding"),     # sites and colour of the manager's own store
    ("SubscriptionState", "upgrade"),             # plans are platform-wide, not a store's rows
    ("ClientsState", "invite"),                   # an email address, invited to the manager's store
    ("ApiAccessState", "create_key"),             # a name and a scope, for the manager's store
    ("ApiAccessState", "create_endpoint"),        # a URL and events, for the manager's store
}


def _dashboard_states() -> list[type]:
    found, todo = [], [ManageState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _takes_an_id(handler) -> bool:
    names = list(inspect.signature(handler.fn).parameters)[1:]
    return any(n.endswith("_id") or n in ("uri", "form", "form_data") for n in names)


@pytest.fixture
def stores(committed_engine, tmp_path, monkeypatch):
    """Store A's manager signed in (a session token), and store B's ids, B's texts carrying markers."""
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    reset_settings_cache()
    with unit_of_work(TenantContext.system()) as db:
        a, b = build_shop(db), build_shop(db)
        act(db, TenantContext.system())
        b.store.name, b.service.name, b.calendars[0].name = "Beta secret salon", "B-secret-service", "B-secret-chair"
        b_client = client(db, email="b.secret@example.com")
        b_booking = add_booking(db, b, MONDAY + timedelta(days=3650), "10:00", who=b_client)
        b_booking.notes = "B-secret-note"
        b_charge = Payment(store_id=b.store.id, user_id=b_client.id, booking_id=b_booking.id, kind=PaymentKind.CHARGE,
                           amount=b_booking.total_amount, currency=b.store.currency, payment_method="at_store",
                           status=PaymentRecordStatus.SUCCEEDED, payment_date=utcnow())
        db.add(b_charge)
        db.flush()
        b_ctx = TenantContext.for_user(make_user(db, UserRole.ADMIN), b.store.id)
        act(db, b_ctx)
        block = add_block(db, b_ctx, b.local(MONDAY, "12:00"), b.local(MONDAY, "13:00"), calendar_id=b.calendars[0].id)
        slot = add_calendar_slot(db, b_ctx, b.calendars[0].id, b.local(MONDAY, "18:00"), b.local(MONDAY, "19:00"))
        photo = add_photo(db, b_ctx, image_bytes("PNG"), caption="B-secret-photo")
        db.add(CalendlyEventTypeLink(store_id=b.store.id, event_type_uri=B_EVENT_TYPE, name="B-secret-mapping",
                                     calendar_id=b.calendars[0].id, service_id=b.service.id))
        b_key = create_api_key(db, b_ctx, "B-secret-key", "read")
        b_endpoint = create_endpoint(db, b_ctx, "https://93.184.216.34/b-secret-hooks", ["booking.created"]).endpoint
        b_delivery = WebhookDelivery(store_id=b.store.id, endpoint_id=b_endpoint.id, event_id="evt_b",
                                     event_type="booking.created", payload='{"note": "B-secret-note"}',
                                     status=DeliveryStatus.FAILED, attempts=11, max_attempts=11)
        db.add(b_delivery)
        db.flush()
        act(db, TenantContext.system())
        a_client = client(db)
        a_booking = add_booking(db, a, MONDAY + timedelta(days=3650), "11:00", who=a_client)
        ids = dict(store=b.store.id, service=b.service.id, calendar=b.calendars[0].id, booking=b_booking.id,
                   client=b_client.id, block=block.id, slot=slot.id, photo=photo.id,
                   a_booking=a_booking.id, payment=b_charge.id, key=b_key.id, endpoint=b_endpoint.id,
                   delivery=b_delivery.id, a_client=a_client.id, a_service=a.service.id, a_calendar=a.calendars[0].id)
        token = open_session_token(db, a.manager, "198.51.100.7")
    yield token, {k: str(v) for k, v in ids.items()}
    reset_settings_cache()


def b_rows(store_id: int) -> dict:
    """Every row of store B, in every table that has a store_id: what must not change."""
    with unit_of_work(TenantContext.system()) as db:
        return {table.name: sorted((repr(tuple(row)) for row in db.execute(
                    sa.select(table).where(table.c.store_id == store_id))))
                for table in models.metadata.sorted_tables if "store_id" in table.c}


def ev(handler: str, *args) -> tuple[str, tuple]:
    return handler, args


def probes(b: dict) -> dict[tuple[str, str], tuple[type, list[tuple[str, tuple]]]]:
    """(state, handler) -> the page and the events sent; the last event is the one probed, the ones
    before it put B's id into the page state the way the page would."""
    future = f"{DAY}T10:00:00+02:00"
    open_b, choose_b, phone = ev("open_booking", b["booking"]), ev("choose", b["calendar"]), ev("open_phone")
    b_times = ev("phone_find_times", {"service": b["service"], "day": DAY})
    new_service = {"name": "Mine now", "duration_minutes": "30", "price_type": "fixed", "base_price_amount": "5",
                   f"cal_{b['calendar']}": "on"}
    mapping = {"event_type_uri": "https://api.calendly.com/event_types/A", "calendar_id": b["calendar"],
               "service_id": b["service"], "name": "Mine"}
    table = {
        BookingsState: {
            "open_booking": [open_b],
            "confirm_selected": [open_b, ev("confirm_selected")],
            "cancel_selected": [open_b, ev("cancel_selected", {"reason": "x"})],
            "complete_selected": [open_b, ev("complete_selected")],
            "no_show_selected": [open_b, ev("no_show_selected")],
            "refund_selected": [open_b, ev("refund_selected", {"payment_id": b["payment"], "amount": "1"})],
            "reschedule_to": [open_b, ev("reschedule_to", future)],
            "find_reschedule_times": [open_b, ev("find_reschedule_times", {"day": DAY})],
            "apply_filters": [ev("set_mode", "list"), ev("apply_filters", {"service": b["service"]})],
            "search_phone_clients": [phone, ev("search_phone_clients", {"search": "b.secret"})],
            "choose_phone_client": [phone, ev("choose_phone_client", b["client"])],
            "phone_find_times": [phone, b_times],
            "phone_submit": [phone, ev("choose_phone_client", b["client"]), b_times, ev("phone_pick", future),
                             ev("phone_submit", {"persons": "1"})],
        },
        CalendarsState: {
            "choose": [choose_b],
            "save_details": [choose_b, ev("save_details", {"name": "Mine"})],
            "set_active": [choose_b, ev("set_active", False)],
            "save_weekly": [choose_b, ev("save_weekly", {"day0": "09:00-10:00"})],
            "add_override": [choose_b, ev("add_override", {"day": DAY, "closed": "on"})],
            "clear_override": [choose_b, ev("clear_override", DAY)],
            "add_block": [choose_b, ev("add_block", {"start_date": DAY, "start_time": "10:00", "end_time": "11:00"})],
            "remove_block": [ev("remove_block", b["block"])],
            "add_slot": [choose_b, ev("add_slot", {"day": DAY, "start_time": "20:00", "end_time": "21:00"})],
            "remove_slot": [ev("remove_slot", b["slot"])],
            "update_preview": [ev("update_preview", {"service": b["service"], "from": DAY})],
            "caldav_submit": [choose_b, ev("caldav_submit", {"server_url": "http://127.0.0.1:9/", "username": "x",
                                                             "password": "y"})],
            "caldav_sync_now": [choose_b, ev("caldav_sync_now")],
            "caldav_disconnect": [choose_b, ev("caldav_disconnect")],
            "import_ics": [choose_b, ev("import_ics", {"feed_url": "https://calendar.example.com/b.ics"})],
            "create_feed": [choose_b, ev("create_feed", {"show_client_names": "on"})],
            "revoke_feeds": [choose_b, ev("revoke_feeds")],
        },
        StaffState: {
            "move": [ev("move", b["calendar"], -1)],
        },
        ServicesState: {
            "edit_service": [ev("edit_service", b["service"])],
            "save": [ev("new_service"), ev("save", new_service)],
            "archive": [ev("archive", b["service"])],
            "restore": [ev("restore", b["service"])],
            "delete": [ev("delete", b["service"])],
        },
        StoreSettingsState: {
            "move_photo": [ev("move_photo", b["photo"], 1)],
            "delete_photo": [ev("delete_photo", b["photo"])],
            "save_caption": [ev("save_caption", {"photo_id": b["photo"], "caption": "mine"})],
        },
        ClientsState: {
            "find": [ev("find", {"search": "b.secret"})],
            "open_client": [ev("open_client", b["client"])],
            "send": [ev("open_client", b["client"]), ev("send", {"channel": "sms", "body": "Hello"})],
        },
        ClientPrivacyState: {
            "download": [ev("download", b["client"])],
            "ask_erase": [ev("ask_erase", b["client"])],
            "erase": [ev("erase", b["client"])],
        },
        NotificationsState: {
            "find_recipients": [ev("find_recipients", {"search": "b.secret"})],
            "send": [ev("set_audience", "client"), ev("send", {"client": b["client"], "channel": "sms", "body": "Hi"})],
        },
        IntegrationsState: {
            "save_mapping": [ev("save_mapping", mapping)],
            "remove_mapping": [ev("remove_mapping", B_EVENT_TYPE, "x")],
        },
        ApiAccessState: {
            "revoke_key": [ev("revoke_key", b["key"])],
            "toggle_endpoint": [ev("toggle_endpoint", b["endpoint"], False)],
            "rotate_secret": [ev("rotate_secret", b["endpoint"])],
            "delete_endpoint": [ev("delete_endpoint", b["endpoint"])],
            "open_delivery": [ev("open_delivery", b["delivery"])],
            "resend": [ev("resend", b["delivery"])],
        },
    }
    return {(cls.__name__, name): (cls, events) for cls, handlers in table.items() for name, events in handlers.items()}


# Events whose refusal is "nothing chosen" rather than a message (the page offers only A's rows).
SILENT = {("BookingsState", "apply_filters"), ("BookingsState", "search_phone_clients"),
          ("BookingsState", "choose_phone_client"), ("ClientsState", "find"), ("NotificationsState", "find_recipients")}


def test_every_dashboard_event_taking_an_id_is_probed():
    table = probes({k: "0" for k in ("service", "calendar", "booking", "client", "block", "slot", "photo", "payment",
                                "key", "endpoint", "delivery")})
    taking = {(cls.__name__, name) for cls in _dashboard_states()
              for name, handler in cls.event_handlers.items()
              if handler.fn.__qualname__.split(".")[0] == cls.__name__ and _takes_an_id(handler)}
    assert taking - NO_IDS - set(table) == set(), "probe these dashboard events with another store's ids"


def dashboard_page(cls: type, token: str):
    page = open_page(cls, path="/manage", token=token)
    run(page, "open_dashboard")
    assert page.dashboard_status == "ready"
    return page


@pytest.mark.parametrize("probe", sorted(probes({k: "0" for k in (
    "service", "calendar", "booking", "client", "block", "slot", "photo", "payment", "key", "endpoint",
    "delivery")})), ids="-".join)
def test_a_dashboard_event_with_another_stores_id_is_refused_and_shows_nothing(stores, probe):
    token, b = stores
    before = b_rows(int(b["store"]))
    cls, events = probes(b)[probe]
    page = dashboard_page(cls, token)
    for handler, args in events:
        run(page, handler, *args)
    if probe not in SILENT:
        assert page.error_text or getattr(page, "phone_error", ""), f"{probe} was not refused"
    shown = state_text(page)
    assert [m for m in B_MARKERS if m in shown] == [], f"{probe} put store B's data in A's page"
    assert b_rows(int(b["store"])) == before, f"{probe} changed store B's rows"


def test_the_same_events_with_the_managers_own_ids_do_show_data(stores):
    """The probe's control: with store A's own ids the very same pages fill in."""
    token, b = stores
    bookings = dashboard_page(BookingsState, token)
    run(bookings, "open_booking", b["a_booking"])
    assert bookings.selected.get("id") == b["a_booking"] and not bookings.error_text
    calendars = dashboard_page(CalendarsState, token)
    run(calendars, "choose", b["a_calendar"])
    assert calendars.current.get("id") == b["a_calendar"] and calendars.weekly and not calendars.error_text
    clients = dashboard_page(ClientsState, token)
    run(clients, "open_client", b["a_client"])
    assert clients.client.get("id") == b["a_client"] and clients.history
    privacy = dashboard_page(ClientPrivacyState, token)
    run(privacy, "ask_erase", b["a_client"])
    assert privacy.erase_client_id == b["a_client"] and "1 bookings" in privacy.erase_keep and not privacy.error_text
    services = dashboard_page(ServicesState, token)
    run(services, "edit_service", b["a_service"])
    assert services.form.get("id") == b["a_service"] and services.form_open
