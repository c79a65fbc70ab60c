"""Sending one notification, exactly once, and the sweeper that finds what is still unsent.

`deliver(id)` is safe to call any number of times, concurrently, or again after a crash:

1. Claim (own short transaction): a conditional UPDATE moves a `pending` row whose
   `next_attempt_at` has passed to "leased" (`next_attempt_at` = now + LEASE, attempts + 1).
   Only one caller can match; a duplicate enqueue or a redelivered message finds nothing to do.
   The stale-reminder re-check and the "no provider configured" decision happen here too.
2. Send to the provider outside any transaction (no database lock held during HTTP/SMTP).
3. Record (own transaction): sent / retry later with backoff / failed after MAX_ATTEMPTS, only
   if the row is still ours (same attempt number, still pending).

A worker that dies between 1 and 3 leaves a leased pending row; after LEASE the sweeper
re-sends it. The one window no system without provider-side idempotency can close is a crash
after the provider accepted the message and before step 3 commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from hub_app.domain.bookings.ics import booking_ics
from hub_app.domain.bookings.models import Booking
from hub_app.domain.notifications import reminders, sms_allowance
from hub_app.domain.notifications.email import (
    Attachment, EmailResult, SmtpSender, build_message, ics_attachment, sender_address,
)
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.notifications.sms import EasySmsClient, SmsResult
from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)          # longer than any provider timeout (SMTP 30 s, HTTP 15 s)
MAX_ATTEMPTS = 6
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
           timedelta(hours=3))
NO_SMS_PROVIDER = "not sent: no SMS provider configured (set EASYSMS_API_KEY and EASYSMS_SENDER)"
NO_EMAIL_PROVIDER = "not sent: no email server configured (set SMTP_HOST)"
ICS_KINDS = (NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULE)


@dataclass
class Providers:
    sms: EasySmsClient | None = None
    email: SmtpSender | None = None
    sms_callback_url: str | None = None

    def close(self) -> None:
        if self.sms is not None:
            self.sms.close()


def providers_from_settings(settings: Settings | None = None) -> Providers:
    settings = settings or get_settings()
    sms = None
    if settings.easysms_api_key and settings.easysms_sender:
        sms = EasySmsClient(settings.easysms_api_key, settings.easysms_sender, settings.easysms_api_base,
                            proxy=settings.outbound_http_proxy or None)
    email = None
    if settings.smtp_host:
        email = SmtpSender(settings.smtp_host, settings.smtp_port, starttls=settings.smtp_starttls,
                           user=settings.smtp_user, password=settings.smtp_password,
                           from_addr=sender_address(settings.smtp_from))
    callback = None
    if settings.easysms_callback_token:
        callback = f"{settings.public_base_url.rstrip('/')}/webhooks/easysms/{settings.easysms_callback_token}"
    return Providers(sms=sms, email=email, sms_callback_url=callback)


@dataclass(frozen=True)
class DispatchOutcome:
    notification_id: int
    status: str                     # sent | retry | failed | not_sent | skipped
    detail: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class Outgoing:
    """Everything needed to send, read inside the claim transaction."""

    notification_id: int
    attempt: int
    channel: Channel
    to: str
    subject: str | None
    body: str
    body_html: str | None
    attachments: tuple[Attachment, ...] = ()


def backoff_after(attempt: int) -> timedelta:
    return BACKOFF[min(max(attempt, 1), len(BACKOFF)) - 1]


def claim(db: Session, notification_id: int, now: datetime) -> Notification | None:
    """Take the row for one attempt; None when it is not pending or another attempt holds it."""
    result = db.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == NotificationStatus.PENDING,
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return db.scalars(
        select(Notification).where(Notification.id == notification_id).execution_options(populate_existing=True)
    ).one()


def _finish_unsent(row: Notification, status: NotificationStatus, reason: str) -> None:
    row.status = status
    row.last_error = reason[:500]
    row.next_attempt_at = None


def _prepare(db: Session, row: Notification, providers: Providers, now: datetime) -> Outgoing | DispatchOutcome:
    booking = db.get(Booking, row.booking_id) if row.booking_id else None
    if row.kind == NotificationKind.REMINDER:
        stale = reminders.is_current_reminder(row, booking, now)
        if stale:
            _finish_unsent(row, NotificationStatus.NOT_SENT, stale)
            return DispatchOutcome(row.id, "not_sent", stale)
    provider = providers.sms if row.type == Channel.SMS else providers.email
    if provider is None:
        reason = NO_SMS_PROVIDER if row.type == Channel.SMS else NO_EMAIL_PROVIDER
        _finish_unsent(row, NotificationStatus.NOT_SENT, reason)
        return DispatchOutcome(row.id, "not_sent", reason)
    if not row.to_address:
        reason = "not sent: the client has no " + ("phone number" if row.type == Channel.SMS else "email address")
        _finish_unsent(row, NotificationStatus.NOT_SENT, reason)
        return DispatchOutcome(row.id, "not_sent", reason)
    if row.type == Channel.SMS and row.attempts == 1:
        # Counted once, when first handed over: a retry is the same SMS.
        refused = sms_allowance.admit(db, row, now)
        if refused:
            _finish_unsent(row, NotificationStatus.NOT_SENT, refused)
            return DispatchOutcome(row.id, "not_sent", refused)
    attachments: tuple[Attachment, ...] = ()
    if row.type == Channel.EMAIL and row.kind in ICS_KINDS and booking is not None:
        attachments = (ics_attachment(booking_ics_bytes(db, booking)),)
    return Outgoing(row.id, row.attempts, row.type, row.to_address, row.subject, row.body, row.body_html, attachments)


def booking_ics_bytes(db: Session, booking: Booking) -> bytes:
    store = db.get(Store, booking.store_id)
    service = db.get(Service, booking.service_id)
    return booking_ics(booking, store, service)


def _send(outgoing: Outgoing, providers: Providers) -> SmsResult | EmailResult:
    if outgoing.channel == Channel.SMS:
        return providers.sms.send(outgoing.to, outgoing.body, callback_url=providers.sms_callback_url)
    message = build_message(from_addr=providers.email.from_addr, to=outgoing.to, subject=outgoing.subject or "",
                            body=outgoing.body, body_html=outgoing.body_html, attachments=outgoing.attachments)
    return providers.email.send(message)


def _record(db: Session, outgoing: Outgoing, result: SmsResult | EmailResult, now: datetime) -> DispatchOutcome:
    nid = outgoing.notification_id
    values: dict = {}
    if isinstance(result, SmsResult):
        values["segments"] = result.segments
        error = None if result.ok else result.error_text
    else:
        error = result.error
    if result.ok:
        values.update(status=NotificationStatus.SENT, sent_at=utcnow(), last_error=None, next_attempt_at=None,
                      external_message_id=result.message_id)
        outcome = DispatchOutcome(nid, "sent", result.message_id)
    elif result.retryable and outgoing.attempt < MAX_ATTEMPTS:
        retry_at = now + backoff_after(outgoing.attempt)
        values.update(last_error=f"attempt {outgoing.attempt}: {error}"[:500], next_attempt_at=retry_at)
        outcome = DispatchOutcome(nid, "retry", error, retry_at)
    else:
        values.update(status=NotificationStatus.FAILED, last_error=error[:500] if error else "failed",
                      next_attempt_at=None)
        outcome = DispatchOutcome(nid, "failed", error)
    updated = db.execute(
        update(Notification)
        .where(Notification.id == nid, Notification.status == NotificationStatus.PENDING,
               Notification.attempts == outgoing.attempt)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        logger.warning("Notification %s changed while attempt %s was sending; result %s not recorded",
                       nid, outgoing.attempt, outcome.status)
    return outcome


def deliver(notification_id: int, *, providers: Providers | None = None, engine: Engine | None = None,
            now: datetime | None = None) -> DispatchOutcome:
    """Send one notification if it is due and nobody else is sending it (see module docstring).

    Opens its own short transactions (system context): the provider call must not run inside
    one, or a slow SMTP server would hold database locks.
    """
    from hub_app.db import unit_of_work

    ctx = TenantContext.system()
    now = now or utcnow()
    own_providers = providers is None
    providers = providers or providers_from_settings()
    try:
        with unit_of_work(ctx, engine) as db:
            row = claim(db, notification_id, now)
            if row is None:
                return DispatchOutcome(notification_id, "skipped", "not pending or being sent by another attempt")
            prepared = _prepare(db, row, providers, now)
        if isinstance(prepared, DispatchOutcome):
            return prepared
        try:
            result = _send(prepared, providers)
        except Exception as exc:  # a bug or an unexpected library error: keep the row retryable
            logger.exception("Sending notification %s failed unexpectedly", notification_id)
            problem = f"{type(exc).__name__}: {exc}"
            result = (SmsResult(ok=False, remarks=problem, retryable=True) if prepared.channel == Channel.SMS
                      else EmailResult(ok=False, error=problem, retryable=True))
        with unit_of_work(ctx, engine) as db:
            return _record(db, prepared, result, now)
    finally:
        if own_providers:
            providers.close()


def due_for_sending(db: Session, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Pending rows whose time has come: never enqueued (queue was down), retries, expired leases."""
    now = now or utcnow()
    return list(db.scalars(
        select(Notification.id)
        .where(Notification.status == NotificationStatus.PENDING,
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ))
