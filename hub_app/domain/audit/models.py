"""Who changed what and when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub_app.domain.base import TenantScoped
from hub_app.domain.types import UTCDateTime, json_type, utcnow


class AuditEntry(TenantScoped, SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # NULL for platform-wide changes (subscription plans), visible only to admins.
    store_id: int | None = Field(default=None, foreign_key="store.id", ondelete="CASCADE", index=True)
    actor_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    actor_role: str | None = Field(default=None, max_length=20)
    entity_type: str = Field(max_length=40, nullable=False)
    entity_id: int = Field(nullable=False)
    action: str = Field(max_length=40, nullable=False)
    before: dict[str, Any] | None = Field(default=None, sa_type=json_type())
    after: dict[str, Any] | None = Field(default=None, sa_type=json_type())
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
