"""Platform settings stored as tables (not a store's data: no store, no row-level security).

Kept apart from the functions that edit them so the schema (`hub_app.domain.models`) can import
every table without importing permissions and tenancy, which themselves read the schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub_app.domain.base import created_at_field


class TrustedNetwork(SQLModel, table=True):
    """A platform setting (not a store's data): no store, no row-level security."""

    __tablename__ = "trusted_network"

    id: int | None = Field(default=None, primary_key=True)
    cidr: str = Field(max_length=64, sa_column_kwargs={"unique": True, "nullable": False})
    note: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
