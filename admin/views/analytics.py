"""Analytics: cross-store figures an operator needs (read-only; see hub_app.domain.platform.analytics)."""

from __future__ import annotations

from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import Response

from admin.i18n import current_locale, label, text
from admin.views.base import MENU_STORES, run_analytics
from hub_app.domain.platform import analytics
from hub_app.i18n import format_money


def _money(amounts: dict, locale: str) -> str:
    return ", ".join(format_money(amount, currency, locale) for currency, amount in amounts.items()) or "–"


def _rate(rate: analytics.Rate) -> str:
    return "–" if rate.percent is None else f"{rate.percent} % ({rate.count} / {rate.out_of})"


class AnalyticsView(BaseView):
    name = label("view.analytics", "Analytics")
    icon = "fa-solid fa-chart-line"
    category = MENU_STORES

    @expose("/analytics", methods=["GET"], identity="analytics")
    async def analytics_page(self, request: Request) -> Response:
        figures: analytics.PlatformAnalytics = await run_analytics(request, analytics.platform_analytics)
        locale = current_locale()
        return await self.templates.TemplateResponse(request, "hub_admin/analytics.html", {
            "title": text("view.analytics"),
            "note": text("analytics.note", weeks=analytics.WEEKS, rate_days=analytics.RATE_DAYS,
                         top_days=analytics.TOP_DAYS),
            "plans": [(share.plan or text("analytics.no_plan"), share.stores) for share in figures.stores_by_plan],
            "mrr": _money(figures.mrr, locale),
            "no_shows": _rate(figures.no_shows),
            "cancellations": _rate(figures.cancellations),
            "past_due_in_grace": figures.past_due_in_grace,
            "restricted": figures.restricted,
            "weeks": [(week.starts.isoformat(), week.bookings, _money(week.revenue, locale)) for week in figures.weeks],
            "top": [(store.name, store.slug, store.bookings, _money(store.revenue, locale))
                    for store in figures.top_stores],
            "t": text,
        })
