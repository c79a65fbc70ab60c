"""Availability versions: a counter per calendar, raised by triggers on every change that can
alter the free times the calendar offers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

The public availability read reuses an answer while the store's counters are unchanged
(hub_app/domain/bookings/availability_cache.py). Triggers rather than application code raise them,
so every writer is covered: the domain, the admin panel, cascades, and plain SQL.

What raises a calendar's counter: its bookings (insert, delete, and updates of the columns that
decide occupancy), opening rules, date overrides, blocked periods (a store-wide block raises every
calendar of the store), explicit slots, Calendly busy times, service links, an update of the
calendar itself, and an update of its store or of any service of its store (rules, buffers).

On PostgreSQL one trigger function serves every table and takes the counters' row locks in
calendar order, so two transactions raising the same counters wait for each other instead of
deadlocking. On SQLite (one writer at a time) each table gets plain triggers. A later SQLite batch
migration that recreates one of these tables must create its triggers again.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Tables whose rows belong to one calendar (blocked_period: or, without one, to the whole store).
CALENDAR_TABLES = ["booking", "opening_rule", "date_override", "blocked_period", "calendar_slot",
                   "external_busy_time", "calendar_service"]
# Only these booking columns decide whether and when a booking occupies its calendar.
BOOKING_COLUMNS = "calendar_id, service_id, start_at, end_at, status, number_of_persons, hold_expires_at"

PG_BUMP = """
CREATE FUNCTION bump_availability_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed jsonb;
  calendars bigint[] := '{}';
  stores bigint[] := '{}';
BEGIN
  FOREACH changed IN ARRAY ARRAY[
      CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
      CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END] LOOP
    CONTINUE WHEN changed IS NULL;
    IF TG_TABLE_NAME = 'store' THEN
      stores := stores || (changed->>'id')::bigint;
    ELSIF TG_TABLE_NAME = 'calendar' THEN
      calendars := calendars || (changed->>'id')::bigint;
    ELSIF TG_TABLE_NAME = 'service' OR changed->>'calendar_id' IS NULL THEN
      stores := stores || (changed->>'store_id')::bigint;
    ELSE
      calendars := calendars || (changed->>'calendar_id')::bigint;
    END IF;
  END LOOP;
  PERFORM 1 FROM availability_version
    WHERE calendar_id = ANY(calendars) OR store_id = ANY(stores)
    ORDER BY calendar_id FOR UPDATE;
  UPDATE availability_version SET version = version + 1
    WHERE calendar_id = ANY(calendars) OR store_id = ANY(stores);
  RETURN NULL;
END $$
"""

PG_ADD = """
CREATE FUNCTION add_availability_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO availability_version (calendar_id, store_id, version)
  VALUES (NEW.id, NEW.store_id, 0) ON CONFLICT (calendar_id) DO NOTHING;
  RETURN NULL;
END $$
"""


def _pg_triggers() -> list[tuple[str, str, str]]:
    """(trigger name, table, event clause) for every bumping trigger."""
    triggers = [(f"availability_{table}", table, "INSERT OR UPDATE OR DELETE")
                for table in CALENDAR_TABLES if table != "booking"]
    triggers += [
        ("availability_booking", "booking", f"INSERT OR DELETE OR UPDATE OF {BOOKING_COLUMNS}"),
        ("availability_calendar", "calendar", "UPDATE"),
        ("availability_service", "service", "UPDATE"),
        ("availability_store", "store", "UPDATE"),
    ]
    return triggers


def _bump(where: str) -> str:
    return f"UPDATE availability_version SET version = version + 1 WHERE {where};"


def _sqlite_triggers() -> list[tuple[str, str]]:
    """(trigger name, full CREATE TRIGGER statement)."""
    statements = []
    for table in CALENDAR_TABLES:
        def target(row: str) -> str:
            if table == "blocked_period":
                return (f"calendar_id = {row}.calendar_id"
                        f" OR ({row}.calendar_id IS NULL AND store_id = {row}.store_id)")
            return f"calendar_id = {row}.calendar_id"

        update_of = f" OF {BOOKING_COLUMNS}" if table == "booking" else ""
        for name, event, body in (
            ("ins", "INSERT", _bump(target("NEW"))),
            ("del", "DELETE", _bump(target("OLD"))),
            ("upd", f"UPDATE{update_of}", _bump(f"({target('OLD')}) OR ({target('NEW')})")),
        ):
            trigger = f"availability_{table}_{name}"
            statements.append((trigger, f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {body} END"))
    statements += [
        ("availability_calendar_ins", "CREATE TRIGGER availability_calendar_ins AFTER INSERT ON calendar BEGIN "
         "INSERT INTO availability_version (calendar_id, store_id, version) VALUES (NEW.id, NEW.store_id, 0); END"),
        ("availability_calendar_upd", "CREATE TRIGGER availability_calendar_upd AFTER UPDATE ON calendar BEGIN "
         + _bump("calendar_id = NEW.id") + " END"),
        ("availability_service_upd", "CREATE TRIGGER availability_service_upd AFTER UPDATE ON service BEGIN "
         + _bump("store_id = NEW.store_id OR store_id = OLD.store_id") + " END"),
        ("availability_store_upd", "CREATE TRIGGER availability_store_upd AFTER UPDATE ON store BEGIN "
         + _bump("store_id = NEW.id") + " END"),
    ]
    return statements


def upgrade() -> None:
    op.create_table(
        "availability_version",
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["calendar_id"], ["calendar.id"], name=op.f("fk_availability_version_calendar_id_calendar"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_availability_version_store_id_store"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("calendar_id", name=op.f("pk_availability_version")),
    )
    op.create_index(op.f("ix_availability_version_store_id"), "availability_version", ["store_id"], unique=False)
    op.execute("INSERT INTO availability_version (calendar_id, store_id, version) SELECT id, store_id, 0 FROM calendar")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_BUMP)
        op.execute(PG_ADD)
        op.execute("CREATE TRIGGER availability_calendar_ins AFTER INSERT ON calendar "
                   "FOR EACH ROW EXECUTE FUNCTION add_availability_version()")
        for name, table, events in _pg_triggers():
            op.execute(f"CREATE TRIGGER {name} AFTER {events} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION bump_availability_version()")
    else:
        for _name, statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _events in [*_pg_triggers(), ("availability_calendar_ins", "calendar", "")]:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_availability_version()")
        op.execute("DROP FUNCTION IF EXISTS add_availability_version()")
    else:
        for name, _statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_availability_version_store_id"), table_name="availability_version")
    op.drop_table("availability_version")
