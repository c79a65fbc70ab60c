"""Trusted networks: address ranges the admin exempts from the per-address sign-in and booking limits.

A platform setting, not a store's data: no store_id, so no row-level security (like app_user).
The app role reads and writes it through the default privileges granted in 0002.

Revision ID: 0009
Revises: 0012
Create Date: 2026-12-07
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
from hub_app.domain import types as hub_types

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "trusted_network",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cidr", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", hub_types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_network")),
        sa.UniqueConstraint("cidr", name=op.f("uq_trusted_network_cidr")),
    )


def downgrade() -> None:
    op.drop_table("trusted_network")
