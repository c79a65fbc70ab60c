"""Store clients: consent links between a store and a person, invitations, unclaimed Calendly records.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Staff may book only for a store's own clients: someone who booked there, or who accepted the
store's invitation (a row here with status `active`). The table belongs to one store, so it gets
row-level security on PostgreSQL exactly like 0002's tables (SQLite relies on the ORM scoping).
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hub_app.domain import types as hub_types

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The same expression as 0002's policy for a plain tenant table.
POLICY = ("(current_setting('app.bypass_rls', true) = 'on') OR "
          "(store_id = NULLIF(current_setting('app.store_id', true), '')::integer)")


def upgrade() -> None:
    op.create_table(
        "store_client",
        sa.Column("created_at", hub_types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hub_types.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("invited", "active", "unclaimed", name="store_client_status", native_enum=False,
                                    create_constraint=True, length=13), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("invite_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("invited_at", hub_types.UTCDateTime(), nullable=True),
        sa.Column("invited_by_user_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", hub_types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["invited_by_user_id"], ["app_user.id"],
                                name=op.f("fk_store_client_invited_by_user_id_app_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_store_client_store_id_store"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_store_client_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_client")),
        sa.UniqueConstraint("store_id", "user_id", name="uq_store_client_store_user"),
    )
    with op.batch_alter_table("store_client", schema=None) as batch_op:
        batch_op.create_index("ix_store_client_store_email", ["store_id", "email"], unique=False)
        batch_op.create_index(batch_op.f("ix_store_client_user_id"), ["user_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE store_client ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE store_client FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON store_client USING ({POLICY}) WITH CHECK ({POLICY})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS tenant_isolation ON store_client")
    with op.batch_alter_table("store_client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_store_client_user_id"))
        batch_op.drop_index("ix_store_client_store_email")
    op.drop_table("store_client")
