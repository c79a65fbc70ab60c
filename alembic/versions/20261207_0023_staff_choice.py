"""Staff choice: how "anyone" bookings are given to a calendar, each calendar's place in the
store's order, its photo, and whether the client asked for that person.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

- `store.anyone_rule`: `least_busy` (the calendar with the fewest bookings that day; what the
  placement always did, hence the default), `round_robin`, or `priority`.
- `calendar.priority`: the store's order of its calendars (lower first), used by the
  `priority` rule and to list people to clients; ties break on the id.
- `calendar.photo_path` / `calendar.photo_thumbnail_path`: a person's photo under the upload
  folder, made by the store photos' machinery (hub_app/domain/stores/photos.py).
- `calendar_service.last_assigned_turn`: the round-robin's memory per service. See
  hub_app/domain/bookings/assignment.py for why a counter here rather than a reading of bookings.
- `booking.staff_requested`: the client named the person (Fresha's "requested"); a manager
  then knows not to move the booking to someone else lightly.

Only columns of existing tables (row-level policies and grants already cover them), added with
plain ADD COLUMN: a SQLite batch would rebuild `store`, `calendar`, `calendar_service` and
`booking` and lose their triggers (0006, 0010). The rule's CHECK exists on PostgreSQL only;
SQLite cannot add one without that rebuild, so there the domain alone checks the value.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: Union[str, Sequence[str], None] = "0022"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

RULES = "anyone_rule IN ('least_busy', 'round_robin', 'priority')"
COLUMNS = [
    ("store", sa.Column("anyone_rule", sa.String(length=20), nullable=False, server_default="least_busy")),
    ("calendar", sa.Column("priority", sa.Integer(), nullable=False, server_default="0")),
    ("calendar", sa.Column("photo_path", sa.String(length=300), nullable=True)),
    ("calendar", sa.Column("photo_thumbnail_path", sa.String(length=300), nullable=True)),
    ("calendar_service", sa.Column("last_assigned_turn", sa.Integer(), nullable=False, server_default="0")),
    ("booking", sa.Column("staff_requested", sa.Boolean(), nullable=False, server_default=sa.false())),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint("ck_store_anyone_rule", "store", RULES)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint("ck_store_anyone_rule", "store", type_="check")
    for table, column in reversed(COLUMNS):
        if sqlite:
            # SQLite 3.35+ drops a column in place (keeping the table's triggers, unlike a batch).
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
        else:
            op.drop_column(table, column.name)
