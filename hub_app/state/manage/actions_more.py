"""Domain-facing functions of the Overview, Clients, Notifications and Subscription sections."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from hub_app.db import unit_of_work
from hub_app.domain.billing.service_subscription_views import client_subscriptions
from hub_app.domain.bookings.queries import list_clients, next_client_cursor
from hub_app.domain.notifications import settings as messages
from hub_app.domain.reporting import overview
from hub_app.domain.billing import usage
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.local_time import local_today
from hub_app.domain.clients.card import client_card
from hub_app.domain.billing.plan_standing import plan_standing
from hub_app.domain.billing.limits import GRACE, RESTRICTED
from hub_app.domain.permissions import Feature, allowed
from hub_app.domain.reporting.exports import clients_csv
from hub_app.domain.notifications.models import Channel
from hub_app.domain.notifications.outbox import Recipients, queue_manual
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.errors import ValidationFailed
from hub_app.i18n import format_date, format_datetime, format_money, t
from hub_app.read_replica import analytics_unit_of_work
from hub_app.state.manage.actions_bookings import booking_row
from hub_app.state.subscription_rows import subscription_row


def store_today(ctx: TenantContext) -> date:
    with unit_of_work(ctx) as db:
        return local_today(dashboard_store(db, ctx).timezone, utcnow())


# --- overview ---------------------------------------------------------------------------------


def _bar(value: Decimal | int, top: Decimal | int) -> str:
    return f"{(100 * float(value) / float(top)) if top else 0:.1f}%"


def overview_data(ctx: TenantContext, first: date, last: date) -> dict:
    # Reads only: on the analytics replica when it is fit (hub_app/read_replica.py).
    with analytics_unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        todays, upcoming = overview.todays_and_upcoming(db, ctx)
        figures = overview.period_figures(db, ctx, first, last)
        standing = plan_standing(db, ctx) if allowed(ctx, Feature.MANAGE_SUBSCRIPTION) else None
    loc, tz, cur = ctx.locale, store.timezone, store.currency
    most = max([d.bookings + d.cancellations for d in figures.days] + [1])
    richest = max([d.revenue for d in figures.days] + [Decimal("0.01")])
    days = [{
        "iso": d.day.isoformat(), "label": format_date(d.day, locale=loc, fmt="d/M"),
        "bookings": str(d.bookings), "cancellations": str(d.cancellations), "no_shows": str(d.no_shows),
        "revenue": format_money(d.revenue, cur, loc), "bookings_bar": _bar(d.bookings, most),
        "cancel_bar": _bar(d.cancellations, most), "no_show_bar": _bar(d.no_shows, most),
        "revenue_bar": _bar(d.revenue, richest),
    } for d in figures.days]
    return {
        "today": [booking_row(b, tz, loc) for b in todays],
        "upcoming": [booking_row(b, tz, loc) for b in upcoming],
        "days": days,
        "totals": {"bookings": str(figures.bookings), "revenue": format_money(figures.revenue, cur, loc),
                   "cancellations": str(figures.cancellations), "no_shows": str(figures.no_shows)},
        "calendars": [{"name": c.name, "percent": str(c.percent), "bar": f"{min(c.percent, 100)}%",
                       "booked": str(c.booked_minutes // 60), "open": str(c.open_minutes // 60)} for c in figures.calendars],
        # A lapsed payment or used-up SMS is told here too; the free plan itself only on its page.
        "banners": [text for text in (
            standing.banner if standing and standing.state in (GRACE, RESTRICTED) else "",
            standing.sms_banner if standing else "") if text],
    }


# --- clients ----------------------------------------------------------------------------------


def client_rows(ctx: TenantContext, search: str, cursor: str,
                size: int) -> tuple[list[dict[str, str]], int, str]:
    """One page of clients (after `cursor`), how many match (capped), and the next page's cursor."""
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        clients, total = list_clients(db, ctx, search=search or None, limit=size, cursor=cursor or None)
    following = next_client_cursor(clients, size) or ""
    return [{
        "id": str(c.user_id), "name": c.full_name, "email": c.email, "phone": c.phone_number or "",
        "bookings": str(c.bookings_count),
        "last": format_datetime(c.last_booking_start, store.timezone, ctx.locale, "short") if c.last_booking_start else "",
    } for c in clients], total, following


def client_detail(ctx: TenantContext, client_user_id: int) -> dict:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        card = client_card(db, ctx, client_user_id)
        subscribed = client_subscriptions(db, ctx, client_user_id)
    return {
        "client": {"id": str(card.user_id), "name": card.name, "email": card.email, "phone": card.phone,
                   "address": card.address, "age": "" if card.age is None else str(card.age)},
        "bookings": [booking_row(b, store.timezone, ctx.locale) for b in card.bookings],
        "subscriptions": [subscription_row(view, ctx.locale) for view in subscribed],
    }


def export_clients(ctx: TenantContext, search: str) -> str:
    with unit_of_work(ctx) as db:
        return clients_csv(db, ctx, search or None)


# --- notifications ----------------------------------------------------------------------------


def send_message(ctx: TenantContext, *, audience: str, client_user_id: int | None, day: date | None, channel: str,
                 subject: str, body: str, idempotency_key: str | None = None) -> int:
    """Queue a manual message; returns how many messages were queued."""
    if audience == "client":
        recipients = Recipients.one(client_user_id) if client_user_id is not None else None
    elif audience == "day":
        recipients = Recipients.on_day(day) if day is not None else None
    else:
        recipients = Recipients.everyone()
    if recipients is None:
        message = t("notifications.no_recipients", ctx.locale)
        raise ValidationFailed(message, fields={"recipients": message})
    with unit_of_work(ctx) as db:
        rows = queue_manual(db, ctx, recipients, Channel(channel), subject or None, body,
                            idempotency_key=idempotency_key or uuid.uuid4().hex)
        return len(rows)


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


# --- subscription -----------------------------------------------------------------------------


def _limit(value: int | None) -> str:
    return "" if value is None else str(value)


def subscription_data(ctx: TenantContext) -> dict:
    with unit_of_work(ctx) as db:
        used = usage.plan_usage(db, ctx)
        plans = usage.offered_plans(db, ctx)
        standing = plan_standing(db, ctx)
    loc = ctx.locale

    def plan_row(p: usage.PlanView) -> dict[str, str]:
        return {"id": str(p.id), "name": p.name, "description": p.description,
                "price": format_money(p.price_amount, p.currency, loc), "interval": p.interval,
                "services": _limit(p.max_services), "calendars": _limit(p.max_calendars),
                "bookings": _limit(p.max_bookings_per_month), "sms": _limit(p.sms_included),
                "current": "1" if p.is_current else ""}

    def meter(count: int, limit: int | None) -> dict[str, str]:
        return {"count": str(count), "limit": _limit(limit),
                "bar": f"{min(100, 100 * count / limit):.0f}%" if limit else "0%",
                "full": "1" if limit is not None and count >= limit else ""}

    # The meters show the limits in force: the free plan's without a paid plan or after a lapse.
    limits = standing.limits
    in_force = usage.PlanView.of(limits.plan, limits.plan.id) if limits.plan is not None else None
    sms = standing.sms
    return {
        "plan": plan_row(in_force) if in_force else {},
        "usage": {
            "services": meter(used.services, limits.limit("services")),
            "calendars": meter(used.calendars, limits.limit("calendars")),
            "bookings": meter(used.bookings_this_month, limits.limit("bookings_per_month")),
            "sms": meter(sms.sent, sms.included),
        },
        "sms": {"period_end": format_date(sms.end, used.timezone, loc, fmt="long"), "overage": str(sms.overage)},
        "banners": [text for text in (standing.banner, standing.sms_banner) if text],
        "plans": [plan_row(p) for p in plans],
    }


def start_upgrade(ctx: TenantContext, plan_id: int, base_url: str, query: str) -> str:
    """`query` is "" or the admin's "?store=<slug>"; the payment page sends the reader back here."""
    back = f"{base_url}/manage/subscription{query}{'&' if query else '?'}checkout="
    with unit_of_work(ctx) as db:
        return usage.start_upgrade(db, ctx, plan_id, success_url=back + "success", cancel_url=back + "cancelled")
