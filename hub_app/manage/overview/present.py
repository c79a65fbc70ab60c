"""The overview's rows and figures: today's and upcoming bookings, a period's days, totals and
calendar use, and the plan banners (read from the analytics replica when it is fit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hub_app.domain.billing.limits import GRACE, RESTRICTED
from hub_app.domain.billing.plan_standing import plan_standing
from hub_app.domain.permissions import Feature, allowed
from hub_app.domain.reporting import overview
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_date, format_money
from hub_app.manage.shell.present import booking_row
from hub_app.read_replica import analytics_unit_of_work


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
