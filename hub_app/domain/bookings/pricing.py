"""Prices are computed on the server only, as Decimal in the store's currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision

from hub_app.domain.scheduling.models import AdvancePaymentType, PriceType, Service


def _unit(currency: str | None) -> Decimal:
    # The columns hold two decimals; currencies without minor units (JPY) round to whole units.
    digits = min(get_currency_precision(currency), 2) if currency else 2
    return Decimal(1).scaleb(-digits)


def _round(amount: Decimal, currency: str | None) -> Decimal:
    return amount.quantize(_unit(currency), rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def price_for(service: Service, persons: int, currency: str | None = None) -> Decimal:
    """Total for one booking: fixed; per hour × duration; or per person × persons."""
    base = Decimal(service.base_price_amount)
    price_type = PriceType(service.price_type)
    if price_type == PriceType.PER_HOUR:
        total = base * Decimal(service.duration_minutes) / Decimal(60)
    elif price_type == PriceType.PER_PERSON:
        total = base * persons
    else:
        total = base
    return _round(total, currency)


def advance_due(service: Service, total: Decimal, currency: str | None = None) -> Decimal | None:
    """The part to pay when booking: a fixed amount (never above the total) or a percentage."""
    if service.advance_payment_type is None or service.advance_payment_amount is None:
        return None
    amount = Decimal(service.advance_payment_amount)
    if AdvancePaymentType(service.advance_payment_type) == AdvancePaymentType.PERCENT:
        return _round(Decimal(total) * amount / Decimal(100), currency)
    return min(_round(amount, currency), Decimal(total))
