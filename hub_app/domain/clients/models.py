"""A person's standing as a client of one store, apart from their bookings there.

Someone who booked at a store is its client through that booking. Everyone else becomes one
only by consent: the store invites an email address and the person accepts (`invites.py`).
A Calendly invitee becomes an UNCLAIMED record of the one store whose calendar they booked,
never a link to an existing account found by email (`unclaimed.py`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from hub_app.domain.base import TenantScoped, Timestamped, store_fk
from hub_app.domain.types import UTCDateTime, enum_type


class StoreClientStatus(str, enum.Enum):
    INVITED = "invited"      # the store typed an address; nobody has accepted yet
    ACTIVE = "active"        # the person accepted: a client of this store
    UNCLAIMED = "unclaimed"  # made from what Calendly sent; no person has claimed it yet


class StoreClient(TenantScoped, Timestamped, table=True):
    """What one store knows about one (possible) client.

    `email`, names and phone are what the store typed (or Calendly sent): until the person
    accepts, that is all the store sees. `user_id` is the accepting account (ACTIVE), or for an
    UNCLAIMED record the placeholder account its bookings hang on; NULL while INVITED.
    """

    __tablename__ = "store_client"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "user_id", name="uq_store_client_store_user"),
        sa.Index("ix_store_client_store_email", "store_id", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk(index=False)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="CASCADE", index=True)
    status: StoreClientStatus = Field(sa_type=enum_type(StoreClientStatus, "store_client_status"), nullable=False)
    email: str = Field(max_length=254, nullable=False)
    first_name: str = Field(default="", max_length=100)
    last_name: str = Field(default="", max_length=100)
    phone_number: str | None = Field(default=None, max_length=20)
    # SHA-256 of the current invitation's random part: a link works only while it matches, so
    # accepting (which clears it) or inviting again makes every earlier link useless.
    invite_token_hash: str | None = Field(default=None, max_length=64)
    invited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invited_by_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
