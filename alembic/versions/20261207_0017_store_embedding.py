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
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embed_domains", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("embed_accent_color", sa.String(length=7), nullable=True))
        batch_op.create_check_constraint(
            "ck_store_embed_accent_color",
            "embed_accent_color IS NULL OR length(embed_accent_color) = 7",
        )


def downgrade() -> None:
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.drop_constraint("ck_store_embed_accent_color", type_="check")
        batch_op.drop_column("embed_accent_color")
        batch_op.drop_column("embed_domains")
