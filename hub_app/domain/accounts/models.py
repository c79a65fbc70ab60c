"""Users of every role, their login sessions and failed-login records."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub_app.domain.base import Timestamped, created_at_field
from hub_app.domain.types import UTCDateTime, enum_type


class UserRole(str, enum.Enum):
    CLIENT = "client"
    STORE_MANAGER = "store_manager"
    ADMIN = "admin"


class AppUser(Timestamped, table=True):
    """Every person: clients, store managers and admins (`user` is reserved in PostgreSQL)."""

    __tablename__ = "app_user"
    __table_args__ = (
        sa.CheckConstraint("age IS NULL OR (age >= 0 AND age <= 150)", name="ck_app_user_age"),
        sa.CheckConstraint(
            "role <> 'store_manager' OR store_id IS NOT NULL", name="ck_app_user_manager_store"
        ),
        sa.CheckConstraint("email = lower(email)", name="ck_app_user_email_lower"),
        # A store's clients listed by name, one keyset page at a time (migration 0018).
        sa.Index("ix_app_user_name", "last_name", "first_name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    # Stored lower-cased so the UNIQUE index makes addresses unique case-insensitively.
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True, "nullable": False})
    password_hash: str = Field(max_length=255, sa_column_kwargs={"nullable": False})
    phone_number: str | None = Field(default=None, max_length=20)  # E.164
    address: str | None = Field(default=None, max_length=300)
    age: int | None = None
    role: UserRole = Field(sa_type=enum_type(UserRole, "user_role"), nullable=False, index=True)
    locale: str = Field(default="en", max_length=10)
    store_id: int | None = Field(
        default=None, foreign_key="store.id", ondelete="RESTRICT", index=True
    )
    is_active: bool = Field(default=True, nullable=False)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class AuthSession(Timestamped, table=True):
    """A login. Only the SHA-256 of the random token is stored, so a database leak logs no one in."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True, "nullable": False})
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip_address: str | None = Field(default=None, max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed login; recent ones per email (and per address) throttle further attempts."""

    __tablename__ = "login_failure"
    __table_args__ = (sa.Index("ix_login_failure_email_at", "email", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, nullable=False)
    ip_address: str | None = Field(default=None, max_length=64, index=True)
    at: datetime = created_at_field()
