"""Which stores are past due, in grace or restricted to the free plan, and their SMS per period."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy.sql.expression import Select
from starlette.requests import Request

from admin.i18n import column_labels, label, text
from admin.views.base import MENU_PLANS, ReadOnlyView
from hub_app.domain.billing.limits import GRACE, RESTRICTED, lapse_standing, standing_criterion
from hub_app.domain.billing.models import SmsUsage, Subscription

STANDINGS = (GRACE, RESTRICTED)


class StandingFilter:
    """Past-due subscriptions still in their grace period, or past it (the store has the free plan's
    limits). Cancelled and ended ones are found with the status filter."""

    has_operator = False
    template = "sqladmin/filters/lookup_filter.html"
    parameter_name = "standing"

    def __init__(self) -> None:
        self.title = label("col.standing", "Standing")

    async def lookups(self, request: Request, model: Any, run_query: Callable[[Select], Any]) -> list[tuple[str, str]]:
        return [("__all", text("filter.all"))] + [
            (value, text(f"plan_state.{value}")) for value in STANDINGS]

    async def get_filtered_query(self, query: Select, value: Any, model: Any) -> Select:
        if value not in STANDINGS:
            return query
        return query.where(standing_criterion(value))


def standing_of(row: Subscription) -> str:
    standing = lapse_standing(row)
    if standing is None:
        return ""
    state, ends = standing
    return f"{text(f'plan_state.{state}')} · {ends:%Y-%m-%d %H:%M} UTC"


def standing_formatter(model: Subscription, attribute: Any) -> Markup:
    return Markup(escape(standing_of(model)))


class SmsUsageAdmin(ReadOnlyView, model=SmsUsage):
    """SMS handed to the provider per store and billing period, and the extra ones billed."""

    name = label("view.sms_usage", "SMS usage")
    name_plural = label("view.sms_usages", "SMS usage")
    icon = "fa-solid fa-comment-sms"
    category = MENU_PLANS
    column_list = ["id", "store_id", "period_start", "period_end", "sent", "included", "overage",
                   "overage_unit_price", "currency"]
    column_sortable_list = ["id", "store_id", "period_start", "sent", "overage"]
    column_default_sort = ("period_start", True)
    column_labels = column_labels("store_id", "period_start", "period_end", "sent", "included", "overage",
                                  "overage_unit_price", "currency")
