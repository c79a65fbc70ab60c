"""The notifications section: manual messages, the sent history, the automated messages' templates
and switches, and the reminder lead time."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.notifications import settings as messages
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_datetime


def history(ctx: TenantContext, status: str, page: int, size: int) -> tuple[list[dict[str, str]], int]:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        rows, total = messages.message_history(db, ctx, status=status or None, limit=size, offset=page * size)
    return [{
        "id": str(r.id), "when": format_datetime(r.created_at, store.timezone, ctx.locale, "short"),
        "to": r.recipient_name, "address": r.to_address, "channel": r.channel, "kind": r.kind,
        "text": (r.subject + " — " if r.subject else "") + r.body[:140], "status": r.status,
        "color": {"delivered": "green", "read": "green", "sent": "teal", "pending": "amber", "failed": "red",
                  "not_sent": "gray"}.get(r.status, "gray"),
        "error": r.last_error,
    } for r in rows], total


def template_rows(ctx: TenantContext) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        views = messages.message_settings(db, ctx)
    return [{"key": f"{v.kind}-{v.channel}-{v.locale}", "kind": v.kind, "channel": v.channel, "locale": v.locale,
             "enabled": "1" if v.enabled else "", "subject": v.subject, "body": v.body,
             "custom": "1" if v.is_custom else ""} for v in views]


def save_template(ctx: TenantContext, kind: str, channel: str, locale: str, subject: str, body: str) -> None:
    with unit_of_work(ctx) as db:
        messages.save_template(db, ctx, kind, channel, locale, subject, body)


def reset_template(ctx: TenantContext, kind: str, channel: str, locale: str) -> None:
    with unit_of_work(ctx) as db:
        messages.reset_template(db, ctx, kind, channel, locale)


def switch_automated(ctx: TenantContext, kind: str, channel: str, enabled: bool) -> None:
    with unit_of_work(ctx) as db:
        messages.set_automated_enabled(db, ctx, kind, channel, enabled)


def reminder_hours(ctx: TenantContext) -> str:
    with unit_of_work(ctx) as db:
        return str(dashboard_store(db, ctx).reminder_hours_before)


def set_reminder_hours(ctx: TenantContext, hours: str) -> None:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        update_store(db, ctx, store.id, {"reminder_hours_before": hours})
