"""The landing page: platform counts at a glance, each linking to the list behind it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from admin.i18n import current_locale, text
from admin.views.base import run_domain
from hub_app.domain.platform.dashboard import dashboard_counts
from hub_app.i18n import format_money


async def render_dashboard(admin, request: Request) -> Response:
    counts = await run_domain(request, dashboard_counts)
    locale = current_locale()
    url = lambda identity: str(request.url_for("admin:list", identity=identity))  # noqa: E731
    revenue = ", ".join(format_money(amount, currency, locale) for currency, amount in counts.revenue_this_month.items())
    cards = [
        ("stores", text("dash.stores"), f"{counts.stores} ({text('dash.active', count=counts.active_stores)})", url("store")),
        ("managers", text("dash.managers"), counts.managers, url("app-user") + "?role=store_manager"),
        ("clients", text("dash.clients"), counts.clients, url("app-user") + "?role=client"),
        ("bookings", text("dash.bookings_month"), counts.bookings_this_month, url("booking")),
        ("revenue", text("dash.revenue_month"), revenue or format_money(0, "EUR", locale), url("payment")),
        ("failed-notifications", text("dash.failed_notifications"), counts.failed_notifications,
         url("notification") + "?status=failed"),
        ("unprocessed-webhooks", text("dash.unprocessed_webhooks"), counts.unprocessed_webhooks, url("webhook-event")),
    ]
    return await admin.templates.TemplateResponse(request, "hub_admin/index.html", {
        "title": text("dash.title"), "subtitle": text("dash.month_note", month=counts.month_start.strftime("%Y-%m")),
        "cards": cards,
    })
