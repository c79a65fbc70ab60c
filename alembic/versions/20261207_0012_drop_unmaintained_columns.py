"""Drop three columns nothing maintained: calendar.calendly_event_type_id,
calendar.calendly_organization_url and calendar_slot.is_booked.

Which Calendly event types book into a calendar is `calendly_event_type_link` (several can land on
one calendar, which one column cannot say), and the Calendly organization belongs to the store's
connection. Whether a slot is taken is decided from its bookings under the calendar lock; a flag
beside them would be a second answer that can disagree. None of the three was ever written.

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-07
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Plain ALTER TABLE … DROP COLUMN on both dialects (SQLite >= 3.35): a batch copy of the table
# would drop the availability triggers that 0006 put on `calendar` and `calendar_slot`.
DROPPED = [("calendar", "calendly_event_type_id"), ("calendar", "calendly_organization_url"),
           ("calendar_slot", "is_booked")]


def upgrade() -> None:
    for table, column in DROPPED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    op.add_column("calendar", sa.Column("calendly_event_type_id", sa.String(length=300), nullable=True))
    op.add_column("calendar", sa.Column("calendly_organization_url", sa.String(length=300), nullable=True))
    op.add_column("calendar_slot", sa.Column("is_booked", sa.Boolean(), nullable=False, server_default=sa.false()))
