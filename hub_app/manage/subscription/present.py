"""The subscription section: the plan in force, usage against its limits, the plans on offer and
the upgrade's payment page."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.billing import usage
from hub_app.domain.billing.plan_standing import plan_standing
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_date, format_money


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
