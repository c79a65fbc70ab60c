"""Tenant isolation over EVERY operation of /api/v1/openapi.json.

The manager of store A probes each operation (with valid bodies, so the request reaches the
route and not just the validator) in two ways:

- with store B's slug (and B's ids): refused (403/404), except the public read-only pages of a
  store, which anyone may read;
- with A's own slug but B's ids (path ids and ids inside bodies): refused (403/404/409/422).

No answer may carry B's private data (its client's email, phone, name, booking notes, private
calendar name), and afterwards B's data is exactly what it was. A new operation without a probe
here fails the test, so the table grows with the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub_app import db as hub_db
from hub_app.domain.billing.models import (
    Payment,
    PaymentRecordStatus,
    ServiceSubscription,
    SubscriptionStatus,
)
from hub_app.domain.api_keys.models import ApiKey, ApiKeyScope
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from hub_app.domain.integrations.models import (
    CalendlyConnection,
    CalendlyConnectionState,
)
from hub_app.domain.scheduling.models import RecurringInterval
from hub_app.domain.secrets import encrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.api.conftest import (
    V1,
    bearer,
    book_new_client,
    booking_day,
    local_start,
    open_service,
)

VICTIM = {"email": "victim.b@example.com", "phone": "6944455566", "last_name": "Vulnerabilidou"}
B_CALENDAR = "B-private-chair"
B_NOTE = "b-private-note-91c2"
PUBLIC_OPERATIONS = {"read_store", "read_services", "read_service", "availability", "read_staff"}
# Operations that take no store or record id: nothing of another store to name.
# Operations whose body names records by id (the rest of the bodies name none).
BODY_WITH_IDS = {"add_service", "create_booking", "map_calendly_event_type", "reorder_calendars"}
# accept_invite: the signed token names the store, and only a client (or a registration) may use it.
UNTENANTED = {"issue_token", "revoke_token", "create_store", "read_profile", "edit_profile", "edit_password",
              "list_my_bookings", "confirm_email", "accept_invite", "export_my_data", "my_erasure_plan",
              "erase_my_account"}


@dataclass(frozen=True)
class Ids:
    slug: str
    calendar_id: int
    service_id: int
    booking_id: int
    payment_id: int
    subscription_id: int
    client_id: int
    key_id: int = 0
    endpoint_id: int = 0
    delivery_id: int = 0


def seed_store(api, slug: str, manager_email: str, *, calendar_name: str, client: dict, note: str) -> Ids:
    headers = bearer(api, manager_email)
    offer = open_service(api, slug, headers)
    assert api.post(f"{V1}/stores/{slug}/calendars", json={"name": calendar_name}, headers=headers).status_code == 201
    start = local_start(booking_day(8), 10)
    made = book_new_client(api, slug, offer.service_id, start, client["email"], phone=client["phone"],
                           last_name=client["last_name"])
    assert made.status_code == 201, made.text
    booking_id = made.json()["id"]
    block = api.post(f"{V1}/stores/{slug}/calendars/{offer.calendar_id}/blocks", headers=headers,
                     json={"start": local_start(booking_day(20), 9), "end": local_start(booking_day(20), 12),
                           "reason": note})
    assert block.status_code == 201, block.text
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store_id = db.execute(sa.text("SELECT id FROM store WHERE slug = :s"), {"s": slug}).scalar()
        user_id = db.execute(sa.text("SELECT client_user_id FROM booking WHERE id = :b"), {"b": booking_id}).scalar()
        db.execute(sa.text("UPDATE booking SET notes = :n WHERE id = :b"), {"n": note, "b": booking_id})
        payment = Payment(store_id=store_id, user_id=user_id, booking_id=booking_id, amount=Decimal("5.00"),
                          currency="EUR", status=PaymentRecordStatus.SUCCEEDED, payment_date=utcnow())
        subscription = ServiceSubscription(store_id=store_id, client_user_id=user_id, service_id=offer.service_id,
                                           interval=RecurringInterval.MONTH, status=SubscriptionStatus.ACTIVE)
        db.add_all([payment, subscription, CalendlyConnection(
            store_id=store_id, token_encrypted=encrypt_secret("tok-" + slug), signing_key_encrypted=encrypt_secret("k"),
            state=CalendlyConnectionState.CONNECTED, user_uri="https://api.calendly.com/users/U" + slug)])
        db.flush()
        endpoint = WebhookEndpoint(store_id=store_id, url=f"https://93.184.216.34/{slug}", secret_encrypted="x",
                                   event_types="booking.created")
        key = ApiKey(store_id=store_id, name=f"key {slug}", scope=ApiKeyScope.READ, lookup=f"{store_id:012x}",
                     secret_hash="0" * 64)
        db.add_all([endpoint, key])
        db.flush()
        delivery = WebhookDelivery(store_id=store_id, endpoint_id=endpoint.id, event_id=f"evt_{slug}",
                                   event_type="booking.created", payload=f'{{"note": "{note}"}}',
                                   status=DeliveryStatus.FAILED, max_attempts=1)
        db.add(delivery)
        db.flush()
        return Ids(slug, offer.calendar_id, offer.service_id, booking_id, payment.id, subscription.id, user_id,
                   key.id, endpoint.id, delivery.id)


def snapshot(store_slug: str) -> dict:
    """Everything of a store a probe could change, read as the tables' owner."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store_id = db.execute(sa.text("SELECT id FROM store WHERE slug = :s"), {"s": store_slug}).scalar()
        queries = {
            "store": "SELECT name, slug, address, phone_number, stripe_account_id FROM store WHERE id = :i",
            "bookings": "SELECT id, status, start_at, notes FROM booking WHERE store_id = :i ORDER BY id",
            "calendars": "SELECT id, name, is_active FROM calendar WHERE store_id = :i ORDER BY id",
            "services": "SELECT id, name, is_archived FROM service WHERE store_id = :i ORDER BY id",
            "hours": "SELECT calendar_id, weekday, start_time, end_time FROM opening_rule WHERE store_id = :i ORDER BY 1, 2, 3",
            "blocks": "SELECT id, start_at, end_at FROM blocked_period WHERE store_id = :i ORDER BY id",
            "payments": "SELECT id, status, amount FROM payment WHERE store_id = :i ORDER BY id",
            "subscriptions": "SELECT id, status FROM service_subscription WHERE store_id = :i ORDER BY id",
            "calendly": "SELECT state, token_encrypted, webhook_subscription_uri FROM calendly_connection WHERE store_id = :i",
            "links": "SELECT event_type_uri, calendar_id FROM calendly_event_type_link WHERE store_id = :i ORDER BY 1",
            "clients": "SELECT id, user_id, status, email FROM store_client WHERE store_id = :i ORDER BY id",
            "api_keys": "SELECT id, name, revoked_at FROM api_key WHERE store_id = :i ORDER BY id",
            "endpoints": "SELECT id, url, enabled, event_types, secret_encrypted FROM webhook_endpoint "
                         "WHERE store_id = :i ORDER BY id",
            "deliveries": "SELECT id, status, attempts FROM webhook_delivery WHERE store_id = :i ORDER BY id",
        }
        return {name: [tuple(r) for r in db.execute(sa.text(sql), {"i": store_id})] for name, sql in queries.items()}


def future(days: int, hour: int) -> str:
    return local_start(booking_day(days), hour)


def body_for(operation: str, ids: Ids) -> object:
    """A valid body for each operation that takes one, naming `ids` wherever ids appear."""
    return {
        "edit_store": {"name": "Taken over", "address": "Nowhere 1"},
        "add_service": {"name": "Injected", "duration_minutes": 30, "min_persons": 1, "max_persons": 1,
                        "price_type": "fixed", "base_price_amount": "10.00", "calendar_ids": [ids.calendar_id]},
        "add_calendar": {"name": "Injected calendar"},
        "reorder_calendars": {"calendar_ids": [ids.calendar_id]},
        "replace_hours": [{"weekday": 0, "start": "09:00", "end": "10:00"}],
        "block_time": {"start": future(30, 9), "end": future(30, 10), "reason": "probe"},
        "create_booking": {"service_id": ids.service_id, "start": future(9, 11), "persons": 1},
        "cancel": {"reason": "probe"},
        "reschedule": {"start": future(10, 12)},
        "connect_calendly": {"token": "probe-token"},
        "map_calendly_event_type": {"event_type_uri": "https://api.calendly.com/event_types/PROBE",
                                    "calendar_id": ids.calendar_id, "service_id": ids.service_id},
        "start_onboarding": {"return_url": "https://probe.example/r", "refresh_url": "https://probe.example/f"},
        "booking_checkout": {},
        "refund": {},
        "plan_checkout": {"plan_id": 1},
        "invite_client": {"email": VICTIM["email"], "first_name": "Probe"},
        "erase_store_client_data": {"confirm": True},
        "create_api_key": {"name": "Probe", "scope": "read_write"},
        "create_webhook_endpoint": {"url": "https://93.184.216.34/probe", "event_types": ["booking.created"]},
        "edit_webhook_endpoint": {"enabled": False, "url": "https://93.184.216.34/probe"},
    }.get(operation)


QUERY = {"availability": {"start": None, "end": None}, "unmap_calendly_event_type":
         {"event_type_uri": "https://api.calendly.com/event_types/PROBE"}}


def concrete(path: str, ids: Ids, slug: str) -> str:
    return V1 + path.replace("{slug}", slug).replace("{service_id}", str(ids.service_id)) \
        .replace("{calendar_id}", str(ids.calendar_id)).replace("{booking_id}", str(ids.booking_id)) \
        .replace("{payment_id}", str(ids.payment_id)).replace("{subscription_id}", str(ids.subscription_id)) \
        .replace("{user_id}", str(ids.client_id)) \
        .replace("{key_id}", str(ids.key_id)).replace("{endpoint_id}", str(ids.endpoint_id)) \
        .replace("{delivery_id}", str(ids.delivery_id))


def params_for(operation: str) -> dict | None:
    if operation == "availability":
        day = booking_day(8).isoformat()
        return {"start": day, "end": day}
    return QUERY.get(operation)


def leaks(text: str) -> list[str]:
    markers = [VICTIM["email"], VICTIM["phone"][-7:], VICTIM["last_name"], B_CALENDAR, B_NOTE, "tok-beta"]
    return [m for m in markers if m in text]


@pytest.fixture
def two_stores(api, world):
    a = seed_store(api, world.slug_a, world.manager_a_email, calendar_name="A-chair",
                   client={"email": "client.a@example.com", "phone": "6911122233", "last_name": "Alphaidou"},
                   note="a-note")
    b = seed_store(api, world.slug_b, world.manager_b_email, calendar_name=B_CALENDAR, client=VICTIM, note=B_NOTE)
    return a, b


def operations(api, *, with_body: bool = False) -> list[tuple[str, str, str]]:
    doc = api.get(f"{V1}/openapi.json").json()
    return [(method, path, op["operationId"]) for path, item in doc["paths"].items() for method, op in item.items()
            if not with_body or "requestBody" in op]


def test_every_operation_is_probed(api, world):
    """A new operation is either probed (it names a store or record) or reviewed into UNTENANTED."""
    untenanted = {op for _, path, op in operations(api) if "{" not in path}
    assert untenanted == UNTENANTED
    dummy = Ids("x", 1, 1, 1, 1, 1, 1)
    missing = [op for _, path, op in operations(api, with_body=True) if op not in UNTENANTED
               and body_for(op, dummy) is None and op != "cancel"]
    assert not missing, f"no valid probe body for {missing}"


def test_manager_of_a_cannot_reach_store_b(api, world, two_stores):
    a, b = two_stores
    before = snapshot(b.slug)
    headers = bearer(api, world.manager_a_email)
    failures = []
    for method, path, operation in operations(api):
        if operation in UNTENANTED:
            continue
        probes = [("B's slug and ids", concrete(path, b, b.slug))]
        if any(f"{{{name}}}" in path for name in ("service_id", "calendar_id", "booking_id", "payment_id",
                                                   "subscription_id", "user_id", "key_id", "endpoint_id",
                                                   "delivery_id")) \
                or operation in BODY_WITH_IDS:
            probes.append(("A's slug, B's ids", concrete(path, b, a.slug)))
        for label, url in probes:
            response = api.request(method.upper(), url, headers=headers, json=body_for(operation, b),
                                   params=params_for(operation))
            public = operation in PUBLIC_OPERATIONS and label == "B's slug and ids"
            allowed = {200} if public else {403, 404, 409, 422}
            if label == "B's slug and ids" and not public:
                allowed = {403, 404}
            if response.status_code not in allowed:
                failures.append(f"{method.upper()} {path} ({label}): {response.status_code} {response.text[:150]}")
            # The people a client may choose are shown by name on the booking page: a calendar's
            # name is public there, and only there.
            found = [m for m in leaks(response.text) if not (public and operation == "read_staff" and m == B_CALENDAR)]
            if found:
                failures.append(f"{method.upper()} {path} ({label}) shows B's data {found}")
    assert not failures, "\n".join(failures)
    assert snapshot(b.slug) == before


def test_untenanted_operations_show_only_the_callers_own_data(api, world, two_stores):
    headers = bearer(api, world.manager_a_email)
    for url in ("/me", "/me/bookings"):
        response = api.get(V1 + url, headers=headers)
        assert response.status_code < 500 and not leaks(response.text), (url, response.text[:200])
    client_a = bearer(api, "client.a@example.com", "client-password")
    mine = api.get(f"{V1}/me/bookings", headers=client_a)
    assert mine.status_code == 200 and len(mine.json()) == 1 and not leaks(mine.text)
    # A client of store A reading store B's booking by id gets nothing either.
    _, b = two_stores
    for suffix in ("", "/ics"):
        denied = api.get(f"{V1}/bookings/{b.booking_id}{suffix}", headers=client_a)
        assert denied.status_code in (403, 404) and not leaks(denied.text)
