"""What the manager is told about the store's standing: a lapsed payment, the free plan's limits,
and the SMS of the billing period (subscription page and overview banners)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hub_app.domain.billing.limits import FREE, GRACE, RESTRICTED, LimitsInForce, limits_in_force
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.notifications.sms_allowance import SmsPeriod, current_period
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import format_date, format_money, t


@dataclass(frozen=True)
class PlanStanding:
    state: str              # billing.limits: paid / grace / restricted / free
    banner: str             # "" when there is nothing to say
    grace_ends_at: datetime | None
    limits: LimitsInForce
    sms: SmsPeriod
    sms_banner: str         # "" below 80 % of the allowance


def _limits_text(limits: LimitsInForce, locale: str) -> str:
    def show(what: str) -> str:
        value = limits.limit(what)
        return t("manage.subscription.unlimited", locale) if value is None else str(value)
    return t("plan.limits_list", locale, calendars=show("calendars"), services=show("services"),
             bookings=show("bookings_per_month"), sms=show("sms"))


def plan_standing(db: Session, ctx: TenantContext, now: datetime | None = None) -> PlanStanding:
    require(ctx, Feature.MANAGE_SUBSCRIPTION)
    now = now or utcnow()
    store = dashboard_store(db, ctx)
    limits = limits_in_force(db, store, now)
    loc = ctx.locale
    banner = ""
    if limits.state == GRACE:
        banner = t("plan.banner.grace", loc, date=format_date(limits.grace_ends_at, store.timezone, loc, fmt="long"))
    elif limits.state == RESTRICTED and limits.plan is not None:
        banner = t("plan.banner.restricted", loc, limits=_limits_text(limits, loc))
    elif limits.state == FREE and limits.plan is not None:
        banner = t("plan.banner.free", loc, limits=_limits_text(limits, loc))
    sms = current_period(db, store, now)
    sms_banner = ""
    ends = format_date(sms.end, store.timezone, loc, fmt="long")
    if sms.used_up and sms.policy == "bill":
        price = format_money(sms.overage_unit_price, sms.currency, loc) if sms.overage_unit_price is not None else "—"
        sms_banner = t("plan.sms.used_up_bill", loc, included=sms.included, date=ends, overage=sms.overage, price=price)
    elif sms.used_up:
        sms_banner = t("plan.sms.used_up_stop", loc, included=sms.included, date=ends)
    elif sms.warned:
        sms_banner = t("plan.sms.warning", loc, sent=sms.sent, included=sms.included, date=ends)
    return PlanStanding(limits.state, banner, limits.grace_ends_at, limits, sms, sms_banner)
