"""The `api_key` table: one integrator credential of one store.

Only a SHA-256 of the key's secret part is kept; the whole key is shown once, when made. The
`lookup` part (random, not secret) finds the row without comparing hashes across the table.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type


class ApiKeyScope(str, enum.Enum):
    READ = "read"              # GET requests only
    READ_WRITE = "read_write"  # everything the store's staff may do through the API


class ApiKey(TenantScoped, Timestamped, table=True):
    __tablename__ = "api_key"
    __table_args__ = (sa.UniqueConstraint("lookup", name="uq_api_key_lookup"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    name: str = Field(max_length=100, nullable=False)
    scope: ApiKeyScope = Field(sa_type=enum_type(ApiKeyScope, "api_key_scope"), nullable=False)
    lookup: str = Field(max_length=16, nullable=False)
    secret_hash: str = Field(max_length=64, nullable=False)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def display_prefix(self) -> str:
        """What lists show so a manager can tell keys apart: the public part, never the secret."""
        return f"ahk_live_{self.lookup}_…"
