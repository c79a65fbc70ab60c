"""What an event says: enough for an integrator to act without calling back (not ids only).

Times are ISO 8601 with the store's offset (and the zone's name beside them); money is a
decimal string with its currency, as in the REST API. The client is the store's view of the
person: for a Calendly record, the address Calendly sent, never the placeholder account's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking
from hub_app.domain.clients.membership import record_addresses
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.stores.models import Store

API_VERSION = "2026-12-07"


def local_time(value: datetime | None, zone: str) -> str | None:
    return value.astimezone(ZoneInfo(zone)).isoformat() if value is not None else None


def _value(value) -> str | None:
    if value is None:
        return None
    return getattr(value, "value", None) or str(value)


def store_part(store: Store) -> dict:
    return {"id": store.id, "slug": store.slug, "name": store.name, "timezone": store.timezone}


def client_part(db: Session, store_id: int, user: AppUser | None) -> dict | None:
    if user is None:
        return None
    email = record_addresses(db, store_id, [user.id]).get(user.id, user.email)
    return {"id": user.id, "first_name": user.first_name, "last_name": user.last_name, "name": user.full_name,
            "email": email, "phone": user.phone_number}


def booking_part(db: Session, booking: Booking, store: Store) -> dict:
    service = db.get(Service, booking.service_id)
    calendar = db.get(Calendar, booking.calendar_id)
    zone = store.timezone
    return {
        "id": booking.id,
        "status": _value(booking.status),
        "start": local_time(booking.start_at, zone),
        "end": local_time(booking.end_at, zone),
        "timezone": zone,
        "persons": booking.number_of_persons,
        "service": {"id": service.id, "name": service.name, "duration_minutes": service.duration_minutes}
        if service else None,
        "calendar": {"id": calendar.id, "name": calendar.name} if calendar else None,
        "price": {"amount": str(booking.total_amount), "currency": booking.currency},
        "amount_paid": str(booking.amount_paid),
        "payment_status": _value(booking.payment_status),
        "source": _value(booking.source),
        "notes": booking.notes,
        "client": client_part(db, booking.store_id, db.get(AppUser, booking.client_user_id)),
        "rescheduled_from_id": booking.rescheduled_from_id,
        "cancelled_at": local_time(booking.cancelled_at, zone),
        "cancel_reason": booking.cancel_reason,
        "created": local_time(booking.created_at, zone),
    }


def payment_part(payment: Payment, store: Store) -> dict:
    return {
        "id": payment.id,
        "kind": _value(payment.kind),
        "status": _value(payment.status),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "method": payment.payment_method,
        "refund_of_payment_id": payment.refund_of_payment_id,
        "paid_at": local_time(payment.payment_date, store.timezone),
    }
