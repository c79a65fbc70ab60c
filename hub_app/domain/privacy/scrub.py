"""Anonymising steps shared by both erasures: the person's details are replaced, never copied.

The rows a store needs for its books (bookings, payments) stay; what names the person in them
(notes, reasons, message texts and addresses, copies in calendars, audit values, webhook payloads)
is replaced by ERASED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking
from hub_app.domain.calendar_sync.models import CalendarSyncConflict, CalendarSyncEvent
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.notifications.models import Notification, NotificationStatus
from hub_app.domain.privacy.export import about_person
from hub_app.domain.types import utcnow

ERASED = "[erased]"
# RFC 2606 reserves `.invalid`: nothing is ever delivered there, and no one can register it.
ERASED_DOMAIN = "erased.invalid"
# Unusable by design: argon2 rejects it as a hash, so no password ever matches.
NO_PASSWORD = "erased"
NOT_SENT_REASON = "not sent: the recipient's personal data was erased"


def erased_address(tag: object) -> str:
    return f"erased-{tag}@{ERASED_DOMAIN}"


def is_erased_address(email: str | None) -> bool:
    return bool(email) and email.endswith("@" + ERASED_DOMAIN)  # type: ignore[union-attr]


@dataclass(frozen=True)
class PersonalValues:
    """The person's details as they appear in free text: longest first, so a full name goes
    before its parts. Values shorter than 3 characters are left alone (they match everything)."""

    values: tuple[str, ...]

    @classmethod
    def of(cls, *texts: str | None) -> "PersonalValues":
        found = {v.strip() for v in texts if v and len(v.strip()) >= 3}
        return cls(tuple(sorted(found, key=len, reverse=True)))

    @classmethod
    def of_user(cls, user: AppUser, *more: str | None) -> "PersonalValues":
        return cls.of(user.email, user.phone_number, (user.phone_number or "").lstrip("+"), user.full_name,
                      user.first_name, user.last_name, user.address, *more)

    def redact(self, text: str | None) -> str | None:
        if not text or not self.values:
            return text
        pattern = re.compile("|".join(re.escape(v) for v in self.values), re.IGNORECASE)
        return pattern.sub(ERASED, text)

    def redact_json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_json(v) for k, v in value.items()}
        return value


def redact_bookings(db: Session, values: PersonalValues, bookings: list[Booking]) -> None:
    """Bookings stay for the store's books; their notes and reasons, and their copies in outside
    calendars, lose the person."""
    ids = [b.id for b in bookings]
    for booking in bookings:
        booking.notes = None
        booking.cancel_reason = values.redact(booking.cancel_reason)
    if not ids:
        return
    for model in (CalendarSyncEvent, CalendarSyncConflict):
        for row in db.scalars(select(model).where(model.booking_id.in_(ids))):
            row.summary = values.redact(row.summary) or ""


def redact_payments(values: PersonalValues, payments: list[Payment]) -> None:
    """Amounts, dates and Stripe ids are kept as the law requires; free text loses the person."""
    for payment in payments:
        payment.failure_reason = values.redact(payment.failure_reason)


def silence_notifications(values: PersonalValues, rows: list[Notification]) -> None:
    """Messages to the person keep their kind, channel and dates, not their address or text;
    those still waiting are never sent."""
    for row in rows:
        row.to_address = None
        row.subject = values.redact(row.subject)
        row.body = ERASED
        row.body_html = None
        if row.status == NotificationStatus.PENDING:
            row.status = NotificationStatus.NOT_SENT
            row.last_error = NOT_SENT_REASON
            row.next_attempt_at = None


def redact_audit(db: Session, values: PersonalValues, user_id: int, booking_ids: list[int],
                 store_link_ids: list[int], store_id: int | None = None) -> int:
    """Values in the change log's entries about the person's rows; who acted and when stay."""
    query = select(AuditEntry).where(about_person(user_id, booking_ids, store_link_ids))
    if store_id is not None:
        query = query.where(AuditEntry.store_id == store_id)
    changed = 0
    for entry in db.scalars(query):
        before, after = values.redact_json(entry.before), values.redact_json(entry.after)
        if before != entry.before or after != entry.after:
            entry.before, entry.after = before, after
            changed += 1
    return changed


def redact_deliveries(db: Session, values: PersonalValues, email: str, store_id: int | None = None) -> int:
    """Webhook deliveries (Calendly invitees, Stripe customers) whose payload carries the address."""
    if not email:
        return 0
    query = select(WebhookEvent).where(func.lower(cast(WebhookEvent.payload, Text)).contains(email.lower()))
    if store_id is not None:
        query = query.where(WebhookEvent.store_id == store_id)
    rows = list(db.scalars(query))
    for row in rows:
        row.payload = values.redact(row.payload) or ""
    return len(rows)


def anonymise_account(user: AppUser, tag: object) -> None:
    """The account row stays (bookings and payments point at it) and names nobody: no sign-in,
    no details, and its email address is free for a new registration."""
    user.first_name = ""
    user.last_name = ""
    user.email = erased_address(tag)
    user.phone_number = None
    user.address = None
    user.age = None
    user.password_hash = NO_PASSWORD
    user.password_changed_at = utcnow()
    user.is_active = False
