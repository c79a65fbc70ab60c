"""Embedding the booking flow on a store's own website: `store.embed_domains` (the origins
allowed to frame `/embed/<slug>` and to call the store's public booking endpoints from the
browser) and `store.embed_accent_color` (the "Book online" button and the wizard's accent).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07

Both are columns of `store`, which is readable by anyone (its public page) and has no row-level
policy of its own (see 0010): what they hold is public anyway, since the origins are sent in
every embed page's Content-Security-Policy. No new table, so no new policy or grant.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: Union[str, Sequence[str], None] = "0015"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: on SQLite a batch rebuilds `store` and loses its availability
    # triggers (0006). SQLite cannot add a CHECK to an existing table without that rebuild, so the
    # colour's shape is checked there by the domain only (hub_app/domain/embedding/rules.py).
    op.add_column("store", sa.Column("embed_domains", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("store", sa.Column("embed_accent_color", sa.String(length=7), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(
            "ck_store_embed_accent_color", "store",
            "embed_accent_color IS NULL OR length(embed_accent_color) = 7",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("ck_store_embed_accent_color", "store", type_="check")
        op.drop_column("store", "embed_accent_color")
        op.drop_column("store", "embed_domains")
        return
    # SQLite 3.35+ drops a column in place (keeping the table's triggers, unlike a batch rebuild).
    op.execute("ALTER TABLE store DROP COLUMN embed_accent_color")
    op.execute("ALTER TABLE store DROP COLUMN embed_domains")
