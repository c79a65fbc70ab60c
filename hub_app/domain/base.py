"""Mixins for tables: timestamps, and the tenant marker that scoping and RLS key on."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub_app.domain.types import UTCDateTime, utcnow

# Deterministic constraint names: migrations (and SQLite batch mode) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def created_at_field() -> datetime:
    return Field(
        default_factory=utcnow, sa_column_kwargs={"nullable": False}, sa_type=UTCDateTime
    )


def updated_at_field() -> datetime:
    return Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        sa_column_kwargs={"nullable": False, "onupdate": utcnow},
    )


def store_fk(*, index: bool = True) -> int:
    return Field(
        sa_column_kwargs={"nullable": False},
        foreign_key="store.id",
        ondelete="RESTRICT",
        index=index,
    )


class TenantScoped:
    """Marks a table whose every row belongs to one store (column `store_id`).

    Reads through a tenant session are filtered to the context's store and writes are checked
    against it (hub_app.domain.tenancy); on PostgreSQL a row-level security policy does the same
    in the database. Subclasses may widen the read criteria (a client sees their own bookings in
    every store) by overriding `tenant_read_criteria`.
    """

    __tenant_table__ = True

    # Ids passed here are never None: the tenancy layer passes NO_ID (no row has it) instead, so
    # the criteria keep one SQL shape and SQLAlchemy can cache the compiled statement.
    @classmethod
    def tenant_read_criteria(cls, store_id: int, user_id: int):
        return cls.store_id == store_id  # type: ignore[attr-defined]

    def tenant_write_allowed(self, store_id: int | None, user_id: int | None) -> bool:
        return store_id is not None and self.store_id == store_id  # type: ignore[attr-defined]


class Timestamped(SQLModel):
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
