"""Recurring services as the pages show them (client on /account, manager on a client's card),
and opening a subscription's Checkout from a page."""

from __future__ import annotations

from decimal import Decimal

from hub_app.db import unit_of_work
from hub_app.domain.billing.service_subscription_views import SubscriptionView
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_date, format_money, t


def interval_label(interval: str, locale: str) -> str:
    return t(f"subscription.interval.{interval}", locale)


def price_per_interval(amount: Decimal | str, currency: str, interval: str, locale: str) -> str:
    """What a recurring service costs each period ("€50.00 / month")."""
    return t("subscription.price_per_interval", locale, price=format_money(Decimal(amount), currency, locale),
             interval=interval_label(interval, locale))


def subscription_row(view: SubscriptionView, locale: str) -> dict[str, str]:
    end = format_date(view.current_period_end, view.store_timezone, locale) if view.current_period_end else ""
    if view.cancel_at_period_end and end:
        period = t("subscription.ends_on", locale, date=end)
    elif view.cancellable and end:
        period = t("subscription.renews_on", locale, date=end)
    else:
        period = end
    return {
        "id": str(view.id),
        "store_id": str(view.store_id),
        "store": view.store_name,
        "store_slug": view.store_slug,
        "service": view.service_name,
        "price": price_per_interval(view.price, view.currency, view.interval, locale),
        "status": view.status.value,
        "status_label": t(f"subscription.status.{view.status.value}", locale),
        "period": period,
        "cancellable": "yes" if view.cancellable else "",
    }


def open_service_checkout(ctx: TenantContext, service_id: int, booking_id: int | None, back_url: str) -> str:
    """The Checkout URL of a subscription to the service (DomainError when it cannot start)."""
    from hub_app.domain.billing.subscriptions import subscribe_to_service  # only this action needs Stripe

    with unit_of_work(ctx) as db:
        _, url = subscribe_to_service(db, ctx, service_id, booking_id=booking_id,
                                      success_url=f"{back_url}?subscription=success",
                                      cancel_url=f"{back_url}?subscription=cancelled")
    return url
