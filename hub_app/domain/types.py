"""Column types shared by every table: UTC instants, money, enums stored as checked strings."""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware instant, always stored and returned in UTC.

    SQLite has no timezone type, so values are stored as naive UTC there and made aware again on
    read. Naive datetimes are refused on write: a local wall-clock time without a zone is the
    classic source of off-by-an-hour bookings.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a timezone")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def money_type() -> sa.Numeric:
    # DECIMAL(10,2) as in the spec; values are Decimal in Python, never float.
    return sa.Numeric(10, 2, asdecimal=True)


def json_type() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(JSONB(), "postgresql")


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A string column constrained to the enum's values (a CHECK on both databases)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


def quantize_money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
