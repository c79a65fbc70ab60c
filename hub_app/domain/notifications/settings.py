"""Notifications section: the automated messages' settings (on/off per kind and channel, the
store's own English and Greek wording) and the history of messages with their delivery status.

Sending (and the compose screen's queueing) belong to hub_app.domain.notifications; this module
only writes the NotificationTemplate rows that `templates.channel_enabled` and
`templates.wording_for` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.paging import capped_count, check_offset
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.notifications.models import (
    Channel, Notification, NotificationKind, NotificationStatus, NotificationTemplate,
)
from hub_app.domain.notifications.templates import DEFAULTS, PLACEHOLDERS, unknown_placeholders
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import NO_ID, TenantContext
from hub_app.i18n import SUPPORTED_LOCALES, t

AUTOMATED_KINDS = (NotificationKind.CONFIRMATION, NotificationKind.REMINDER, NotificationKind.CANCELLATION,
                   NotificationKind.RESCHEDULE)
CHANNELS = (Channel.EMAIL, Channel.SMS)
MAX_BODY = 5000


@dataclass(frozen=True)
class TemplateView:
    kind: str
    channel: str
    locale: str
    enabled: bool       # for the kind and channel (both languages)
    subject: str
    body: str
    is_custom: bool


@dataclass(frozen=True)
class MessageRow:
    id: int
    created_at: datetime
    recipient_name: str
    to_address: str
    channel: str
    kind: str
    subject: str
    body: str
    status: str
    attempts: int
    sent_at: datetime | None
    delivered_at: datetime | None
    last_error: str


def _kind(value: object, locale: str | None) -> NotificationKind:
    try:
        kind = NotificationKind(value)
    except ValueError:
        kind = None
    if kind not in AUTOMATED_KINDS:
        raise ValidationFailed(t("dashboard.template_kind", locale), fields={"kind": t("dashboard.template_kind", locale)})
    return kind


def _channel(value: object, locale: str | None) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationFailed(t("dashboard.template_channel", locale),
                               fields={"channel": t("dashboard.template_channel", locale)})


def _locale(value: object, locale: str | None) -> str:
    if value not in SUPPORTED_LOCALES:
        raise ValidationFailed(t("validation.locale", locale), fields={"locale": t("validation.locale", locale)})
    return str(value)


def _rows(db: Session, kind: NotificationKind, channel: Channel) -> list[NotificationTemplate]:
    return list(db.scalars(select(NotificationTemplate).where(
        NotificationTemplate.kind == kind, NotificationTemplate.channel == channel)))


def message_settings(db: Session, ctx: TenantContext) -> list[TemplateView]:
    """Every automated kind × channel × language, with the wording that would be sent."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    dashboard_store(db, ctx)
    custom = {(r.kind, r.channel, r.locale): r for r in db.scalars(select(NotificationTemplate))}
    views = []
    for kind in AUTOMATED_KINDS:
        for channel in CHANNELS:
            enabled = not any(r.kind == kind and r.channel == channel and not r.enabled for r in custom.values())
            for loc in SUPPORTED_LOCALES:
                row = custom.get((kind, channel, loc))
                default = DEFAULTS[(kind, channel, loc)]
                own = row is not None and bool(row.body.strip()) and row.body != default.body
                views.append(TemplateView(
                    kind=kind.value, channel=channel.value, locale=loc, enabled=enabled,
                    subject=(row.subject if own else default.subject) or "",
                    body=row.body if own else default.body, is_custom=own,
                ))
    return views


def save_template(db: Session, ctx: TenantContext, kind: str, channel: str, locale: str, subject: str | None,
                  body: str) -> NotificationTemplate:
    """The store's own wording for one kind, channel and language (placeholders checked)."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    store = dashboard_store(db, ctx)
    kind_, channel_, loc = _kind(kind, ctx.locale), _channel(channel, ctx.locale), _locale(locale, ctx.locale)
    body = (body or "").strip()
    subject = (subject or "").strip() or None
    errors: dict[str, str] = {}
    if not body:
        errors["body"] = t("notifications.body_required", ctx.locale)
    elif len(body) > MAX_BODY:
        errors["body"] = t("dashboard.text_too_long", ctx.locale, max=MAX_BODY)
    if channel_ == Channel.EMAIL and not subject:
        errors["subject"] = t("notifications.subject_required", ctx.locale)
    if subject and len(subject) > 300:
        errors["subject"] = t("dashboard.text_too_long", ctx.locale, max=300)
    for name, text in (("body", body), ("subject", subject or "")):
        unknown = unknown_placeholders(text)
        if unknown:
            errors[name] = t("notifications.unknown_placeholder", ctx.locale,
                             names=", ".join("{" + n + "}" for n in unknown),
                             allowed=" ".join("{" + n + "}" for n in PLACEHOLDERS))
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    rows = _rows(db, kind_, channel_)
    enabled = all(r.enabled for r in rows)
    row = next((r for r in rows if r.locale == loc), None)
    if row is None:
        row = NotificationTemplate(store_id=store.id, kind=kind_, channel=channel_, locale=loc, enabled=enabled,
                                   body=body)
        db.add(row)
    row.subject = subject if channel_ == Channel.EMAIL else None
    row.body = body
    db.flush()
    return row


def reset_template(db: Session, ctx: TenantContext, kind: str, channel: str, locale: str) -> None:
    """Back to the built-in wording for one language."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    dashboard_store(db, ctx)
    kind_, channel_, loc = _kind(kind, ctx.locale), _channel(channel, ctx.locale), _locale(locale, ctx.locale)
    rows = _rows(db, kind_, channel_)
    row = next((r for r in rows if r.locale == loc), None)
    if row is None:
        return
    if row.enabled:
        db.delete(row)
    else:
        # The row also carries "this message is off": keep it, with the default words.
        default = DEFAULTS[(kind_, channel_, loc)]
        row.subject, row.body = default.subject, default.body
    db.flush()


def set_automated_enabled(db: Session, ctx: TenantContext, kind: str, channel: str, enabled: bool) -> None:
    """Turn one automated message on or off for a channel, in both languages."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    store = dashboard_store(db, ctx)
    kind_, channel_ = _kind(kind, ctx.locale), _channel(channel, ctx.locale)
    rows = {r.locale: r for r in _rows(db, kind_, channel_)}
    if enabled:
        for row in rows.values():
            default = DEFAULTS[(kind_, channel_, row.locale)]
            if row.body == default.body and (row.subject or None) == (default.subject or None):
                db.delete(row)  # only marked the switch: nothing of the store's own is lost
            else:
                row.enabled = True
    else:
        for loc in SUPPORTED_LOCALES:
            row = rows.get(loc)
            if row is None:
                default = DEFAULTS[(kind_, channel_, loc)]
                db.add(NotificationTemplate(store_id=store.id, kind=kind_, channel=channel_, locale=loc,
                                            enabled=False, subject=default.subject, body=default.body))
            else:
                row.enabled = False
    db.flush()


def message_history(db: Session, ctx: TenantContext, *, status: str | None = None, limit: int = 25,
                    offset: int = 0) -> tuple[list[MessageRow], int]:
    """Messages of the store, newest first, with their delivery status, and how many match
    (counted up to COUNT_CAP + 1: more reads as "over COUNT_CAP")."""
    require(ctx, Feature.SEND_NOTIFICATIONS)
    dashboard_store(db, ctx)
    limit, offset = max(1, min(int(limit), 200)), check_offset(max(0, int(offset)), ctx.locale)
    # The store named outright (not only through row-level security), so the planner walks the
    # store's own rows in an index; the total is counted up to COUNT_CAP + 1.
    conditions = [Notification.store_id == (ctx.store_id if ctx.store_id is not None else NO_ID)]
    if status:
        try:
            conditions.append(Notification.status == NotificationStatus(status))
        except ValueError:
            raise ValidationFailed(t("dashboard.bad_status", ctx.locale), fields={"status": status})
    total = capped_count(db, select(Notification.id).where(*conditions))
    rows = db.execute(
        select(Notification, AppUser).join(AppUser, AppUser.id == Notification.recipient_user_id)
        .where(*conditions).order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return [
        MessageRow(
            id=n.id, created_at=n.created_at, recipient_name=u.full_name or u.email, to_address=n.to_address or "",
            channel=n.type.value, kind=n.kind.value, subject=n.subject or "",
            # Account emails carry sign-in links (password setup and reset): not for the store's eyes.
            body="" if n.kind == NotificationKind.ACCOUNT else n.body, status=n.status.value,
            attempts=n.attempts, sent_at=n.sent_at, delivered_at=n.delivered_at, last_error=n.last_error or "",
        )
        for n, u in rows
    ], total

