"""Domain rows -> response models. Instants are shown in the store's own UTC offset."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub_app.api.v1 import schemas
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.models import Booking
from hub_app.domain.scheduling.models import BlockedPeriod, Calendar, OpeningRule, Service
from hub_app.domain.scheduling.staff import photo_url
from hub_app.domain.stores.models import Store
from hub_app.domain.types import quantize_money


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(quantize_money(value))


def local(value: datetime | None, tz: str) -> datetime | None:
    return None if value is None else value.astimezone(ZoneInfo(tz))


def store_out(store: Store, requested_slug: str | None = None) -> schemas.StoreOut:
    asked = (requested_slug or "").strip().lower()
    return schemas.StoreOut(
        id=store.id, slug=store.slug, redirected_from=asked if asked and asked != store.slug else None,
        name=store.name, description=store.description, address=store.address, city=store.city,
        country=store.country, phone_number=store.phone_number, email=store.email,
        timezone=store.timezone, locale=store.locale, currency=store.currency,
        cancellation_cutoff_hours=store.cancellation_cutoff_hours,
        min_notice_minutes=store.min_notice_minutes, booking_horizon_days=store.booking_horizon_days,
        payment_hold_minutes=store.payment_hold_minutes, reminder_hours_before=store.reminder_hours_before,
        payments_enabled=store.stripe_enabled, is_active=store.is_active,
        embed_domains=list(store.embed_domains or ()), embed_accent_color=store.embed_accent_color,
        anyone_rule=store.anyone_rule,
    )


def profile_out(user: AppUser, pending_email: str | None = None) -> schemas.ProfileOut:
    return schemas.ProfileOut(
        id=user.id, email=user.email, first_name=user.first_name, last_name=user.last_name,
        phone=user.phone_number, address=user.address, age=user.age, locale=user.locale,
        role=user.role, store_id=user.store_id, pending_email=pending_email,
    )


def calendar_out(cal: Calendar) -> schemas.CalendarOut:
    return schemas.CalendarOut(id=cal.id, name=cal.name, color=cal.color, is_active=cal.is_active,
                               priority=cal.priority, photo_url=photo_url(cal.photo_thumbnail_path or cal.photo_path))


def hours_out(rule: OpeningRule) -> schemas.OpeningHours:
    return schemas.OpeningHours(weekday=rule.weekday, start=rule.start_time.strftime("%H:%M"),
                                end=rule.end_time.strftime("%H:%M"))


def block_out(block: BlockedPeriod, store: Store) -> schemas.BlockOut:
    return schemas.BlockOut(id=block.id, calendar_id=block.calendar_id, start=local(block.start_at, store.timezone),
                            end=local(block.end_at, store.timezone), reason=block.reason)


def service_out(service: Service, store: Store, calendar_ids: list[int]) -> schemas.ServiceOut:
    return schemas.ServiceOut(
        id=service.id, name=service.name, description=service.description,
        duration_minutes=service.duration_minutes, buffer_before_minutes=service.buffer_before_minutes,
        buffer_after_minutes=service.buffer_after_minutes, slot_step_minutes=service.slot_step_minutes,
        min_persons=service.min_persons, max_persons=service.max_persons,
        capacity_persons=service.capacity_persons, price_type=service.price_type,
        base_price_amount=money(service.base_price_amount), currency=store.currency,
        payment_enabled=service.payment_enabled, advance_payment_type=service.advance_payment_type,
        advance_payment_amount=money(service.advance_payment_amount), is_recurring=service.is_recurring,
        recurring_interval=service.recurring_interval, available_from=service.available_from,
        available_until=service.available_until, calendar_ids=sorted(calendar_ids),
    )


def booking_out(booking: Booking, store: Store) -> schemas.BookingOut:
    tz = store.timezone
    return schemas.BookingOut(
        id=booking.id, status=booking.status, start=local(booking.start_at, tz), end=local(booking.end_at, tz),
        persons=booking.number_of_persons, total_amount=money(booking.total_amount),
        advance_payment_amount=money(booking.advance_payment_amount), amount_paid=money(booking.amount_paid),
        currency=booking.currency, payment_status=booking.payment_status,
        hold_expires_at=local(booking.hold_expires_at, tz), service_id=booking.service_id,
        calendar_id=booking.calendar_id, staff_requested=booking.staff_requested,
        client_user_id=booking.client_user_id, store_slug=store.slug,
        notes=booking.notes, rescheduled_from_id=booking.rescheduled_from_id,
        cancelled_at=local(booking.cancelled_at, tz), cancel_reason=booking.cancel_reason,
        created_at=local(booking.created_at, tz),
    )
