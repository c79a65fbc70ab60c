"""A service's facts and labels, and a day's opening hours, as the public pages state them (the
running store page and the raw HTML a browser paints before it runs use the same words)."""

from __future__ import annotations

from decimal import Decimal

from hub_app.domain.scheduling.models import PriceType, Service
from hub_app.domain.stores.opening_hours import DayHours
from hub_app.i18n import format_money, t


def service_facts(service: Service) -> dict[str, str]:
    """The raw facts of a service the pages format in the reader's language."""
    return {
        "id": str(service.id),
        "name": service.name,
        "description": service.description or "",
        "duration": str(service.duration_minutes),
        "min_persons": str(service.min_persons),
        "max_persons": str(service.max_persons),
        "price_type": service.price_type.value,
        "amount": str(service.base_price_amount),
        "interval": service.recurring_interval.value if service.is_recurring and service.recurring_interval else "",
    }


def price_label(facts: dict[str, str], currency: str, locale: str) -> str:
    money = format_money(Decimal(facts["amount"]), currency, locale)
    if facts["price_type"] == PriceType.PER_HOUR.value:
        label = t("store.price_per_hour", locale, price=money)
    elif facts["price_type"] == PriceType.PER_PERSON.value:
        label = t("store.price_per_person", locale, price=money)
    else:
        label = money
    if facts.get("interval"):   # a recurring service: paid each period by its subscription
        return t("subscription.price_per_interval", locale, price=label,
                 interval=t(f"subscription.interval.{facts['interval']}", locale))
    return label


def persons_label(facts: dict[str, str], locale: str) -> str:
    low, high = facts["min_persons"], facts["max_persons"]
    if low == high:
        return t("store.persons_one" if low == "1" else "store.persons_exact", locale, count=low)
    return t("store.persons_range", locale, low=low, high=high)


def hours_facts(day: DayHours) -> dict[str, str]:
    """One weekday's windows as "09:00–13:00, 14:00–18:00" ("" when closed)."""
    windows = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in day.windows)
    return {"weekday": str(day.weekday), "windows": windows}
