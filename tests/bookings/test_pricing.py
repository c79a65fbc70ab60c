"""Prices and advance payments: Decimal, rounded half-up to the currency's unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub_app.domain.bookings.pricing import advance_due, price_for
from hub_app.domain.scheduling.models import AdvancePaymentType, PriceType, Service


def service(price_type, base, minutes=60, advance=None):
    kind, amount = advance or (None, None)
    return Service(name="x", duration_minutes=minutes, price_type=price_type, base_price_amount=Decimal(base),
                   advance_payment_type=kind, advance_payment_amount=None if amount is None else Decimal(amount))


@pytest.mark.parametrize("price_type,base,minutes,persons,expected", [
    (PriceType.FIXED, "25.00", 30, 3, "25.00"),
    (PriceType.PER_HOUR, "40.00", 90, 1, "60.00"),
    (PriceType.PER_HOUR, "10.00", 25, 1, "4.17"),       # 4.1666… rounds up
    (PriceType.PER_HOUR, "0.03", 30, 1, "0.02"),        # 0.015 → half up
    (PriceType.PER_PERSON, "12.50", 60, 3, "37.50"),
    (PriceType.PER_PERSON, "0.00", 60, 4, "0.00"),
])
def test_price_types(price_type, base, minutes, persons, expected):
    total = price_for(service(price_type, base, minutes), persons)
    assert total == Decimal(expected) and isinstance(total, Decimal) and total.as_tuple().exponent == -2


def test_currency_without_minor_units_rounds_to_whole_units():
    assert price_for(service(PriceType.PER_HOUR, "1000", 50), 1, "JPY") == Decimal("833.00")
    assert price_for(service(PriceType.PER_HOUR, "1000", 50), 1, "EUR") == Decimal("833.33")


@pytest.mark.parametrize("advance,total,expected", [
    (None, "50.00", None),
    ((AdvancePaymentType.FIXED, "10.00"), "50.00", "10.00"),
    ((AdvancePaymentType.FIXED, "80.00"), "50.00", "50.00"),      # never more than the total
    ((AdvancePaymentType.PERCENT, "30"), "45.50", "13.65"),
    ((AdvancePaymentType.PERCENT, "12.5"), "0.20", "0.03"),       # 0.025 → half up
    ((AdvancePaymentType.PERCENT, "100"), "19.99", "19.99"),
])
def test_advance_due(advance, total, expected):
    result = advance_due(service(PriceType.FIXED, total, advance=advance), Decimal(total))
    assert result == (None if expected is None else Decimal(expected))
