"""A client with data in every place the hub keeps personal data, in two stores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, LoginFailure
from hub_app.domain.accounts.service import ClientDetails, open_session_token, register_client
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.billing.models import Payment, PaymentRecordStatus, ServiceSubscription, SubscriptionStatus
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.calendar_sync.models import CalendarConnection, CalendarSyncEvent
from hub_app.domain.clients.models import StoreClient, StoreClientStatus
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind
from hub_app.domain.scheduling.models import RecurringInterval
from hub_app.domain.types import utcnow
from tests.bookings.helpers import Shop, act, build_shop
from hub_app.domain.tenancy import TenantContext

EMAIL = "xanthippe.quasimodo@example.org"
PHONE = "+306979876543"
FIRST, LAST = "Xanthippe", "Quasimodo"
ADDRESS = "17 Zephyrou Street"
PASSWORD = "erase-me-please-42"
PERSONAL = (EMAIL, PHONE, PHONE.lstrip("+"), FIRST, LAST, ADDRESS)


@dataclass
class Seeded:
    user_id: int
    shop_a: Shop
    shop_b: Shop
    past_booking_ids: list[int]
    future_booking_ids: list[int]
    payment_ids: list[int]


def _booking(db: Session, shop: Shop, client: AppUser, start, status: BookingStatus, **kw) -> Booking:
    local = start.astimezone(shop.tz)
    row = Booking(store_id=shop.store.id, client_user_id=client.id, service_id=shop.service.id,
                  calendar_id=shop.calendars[0].id, start_at=start, end_at=start + timedelta(minutes=30),
                  booking_date=local.date(), start_time=local.time(), end_time=(local + timedelta(minutes=30)).time(),
                  status=status, total_amount=Decimal("20.00"), currency="EUR", **kw)
    db.add(row)
    db.flush()
    return row


def seed(db: Session) -> Seeded:
    """Everything in one committed system session `db`."""
    shop_a, shop_b = build_shop(db), build_shop(db)
    act(db, TenantContext.system())
    client = register_client(db, ClientDetails(first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE,
                                               address=ADDRESS, age=41, password=PASSWORD))
    open_session_token(db, client, "203.0.113.7")
    act(db, TenantContext.system())
    db.add(LoginFailure(email=EMAIL, ip_address="198.51.100.9"))
    now = utcnow().replace(microsecond=0)
    past = [_booking(db, shop, client, now - timedelta(days=30 + i), BookingStatus.COMPLETED,
                     notes=f"Call {FIRST} on {PHONE}") for i, shop in enumerate((shop_a, shop_b))]
    future = [_booking(db, shop, client, now + timedelta(days=10 + i), BookingStatus.CONFIRMED)
              for i, shop in enumerate((shop_a, shop_b))]
    payments = []
    for booking in past:
        payment = Payment(store_id=booking.store_id, user_id=client.id, booking_id=booking.id,
                          amount=Decimal("20.00"), currency="EUR", status=PaymentRecordStatus.SUCCEEDED,
                          payment_method="at_store", payment_date=booking.start_at,
                          stripe_charge_id=f"ch_{booking.id}_test")
        db.add(payment)
        booking.amount_paid = Decimal("20.00")
        payments.append(payment)
    db.flush()
    db.add(ServiceSubscription(store_id=shop_a.store.id, client_user_id=client.id, service_id=shop_a.service.id,
                               interval=RecurringInterval.MONTH, status=SubscriptionStatus.ACTIVE))
    db.add(Notification(store_id=shop_a.store.id, recipient_user_id=client.id, booking_id=past[0].id,
                        type=Channel.EMAIL, kind=NotificationKind.CONFIRMATION, subject=f"Hello {FIRST}",
                        body=f"Dear {FIRST} {LAST}, see you.", to_address=EMAIL, dedupe_key="seed-1"))
    db.add(StoreClient(store_id=shop_b.store.id, user_id=None, status=StoreClientStatus.INVITED, email=EMAIL,
                       first_name=FIRST, last_name=LAST, phone_number=PHONE))
    db.add(AuditEntry(store_id=shop_a.store.id, entity_type="booking", entity_id=past[0].id, action="updated",
                      before={"notes": None}, after={"notes": f"Call {FIRST} on {PHONE}"}))
    db.add(WebhookEvent(provider="calendly", event_id=f"evt-{client.id}", event_type="invitee.created",
                        store_id=shop_a.store.id, payload=json.dumps(
                            {"payload": {"email": EMAIL, "name": f"{FIRST} {LAST}", "text_reminder_number": PHONE}})))
    connection = CalendarConnection(store_id=shop_a.store.id, calendar_id=shop_a.calendars[0].id,
                                    server_url="https://dav.example.com/")
    db.add(connection)
    db.flush()
    db.add(CalendarSyncEvent(store_id=shop_a.store.id, connection_id=connection.id, booking_id=past[0].id,
                             uid=f"uid-{past[0].id}", href=f"/c/{past[0].id}.ics", start_at=past[0].start_at,
                             end_at=past[0].end_at, summary=f"Cut – {FIRST} {LAST}"))
    db.flush()
    return Seeded(client.id, shop_a, shop_b, [b.id for b in past], [b.id for b in future], [p.id for p in payments])


def text_hits(owner: sa.Engine, needles=PERSONAL) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every text or JSON column of every table that still holds one."""
    hits = []
    metadata = sa.MetaData()
    metadata.reflect(owner)
    with owner.connect() as conn:
        for table in metadata.tables.values():
            if table.name == "alembic_version":
                continue
            for column in table.columns:
                if not isinstance(column.type, (sa.String, sa.Text, sa.JSON)) and "JSON" not in str(column.type):
                    continue
                for needle in needles:
                    found = conn.execute(sa.select(sa.func.count()).select_from(table).where(
                        sa.func.lower(sa.cast(column, sa.Text)).contains(needle.lower()))).scalar()
                    if found:
                        hits.append((table.name, column.name, needle))
    return hits
