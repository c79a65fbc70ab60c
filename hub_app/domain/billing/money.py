"""Converting between Decimal amounts (the database) and Stripe's integer minor units.

Stripe takes and returns amounts in the currency's smallest unit: cents for EUR, but whole yen
for JPY. Getting the exponent wrong charges a JPY client a hundred times the price.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Stripe's zero-decimal currencies (amounts are already whole units).
ZERO_DECIMAL_CURRENCIES = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
})


def exponent(currency: str) -> int:
    return 0 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 2


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal("12.50") EUR -> 1250; Decimal("1500") JPY -> 1500."""
    scale = Decimal(10) ** exponent(currency)
    return int((Decimal(amount) * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(amount: int, currency: str) -> Decimal:
    """1250 EUR -> Decimal("12.50"); 1500 JPY -> Decimal("1500.00") (the column's two places)."""
    scale = Decimal(10) ** exponent(currency)
    return (Decimal(int(amount)) / scale).quantize(Decimal("0.01"))


def stripe_currency(currency: str) -> str:
    return currency.lower()
