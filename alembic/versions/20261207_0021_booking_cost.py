"""A booking's cost stays flat as the booking table grows: the plan's monthly count reads only
this month's bookings, and the no-overlap trigger reads only the calendar's later bookings.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-07

- `ix_booking_store_month_count`: every booking checks the plan's "max bookings a month"
  (hub_app.domain.bookings.plan_limit), counting the store's bookings made since the start of its
  month that are not reschedules. Without an index on `created_at` that count read the whole
  table once per booking. The index holds exactly the rows the count counts (partial), and
  `client_user_id` for the row-level policy, so the count is an index-only scan.
- `booking_no_overlap()` (0010): its clash test was `EXISTS (...)`. The planner, expecting a
  match early, chose a sequential scan of `booking` for it, and when no booking clashes (the
  normal case) that scan reads the whole table. Counting the clashes instead makes it plan for
  reading every match, which it does through `ix_booking_calendar_end`. Same rule, same error.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: Union[str, Sequence[str], None] = "0018"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNTED = "rescheduled_from_id IS NULL AND status <> 'rescheduled'"

LIVE_NEW = ("(NEW.status IN ('confirmed', 'completed', 'no_show') OR (NEW.status = 'pending'"
            " AND (NEW.hold_expires_at IS NULL OR NEW.hold_expires_at > now())))")
LIVE_OLD = LIVE_NEW.replace("NEW.", "OLD.")
LIVE_O = LIVE_NEW.replace("NEW.", "o.")
CLASH = ("SELECT {select} FROM public.booking o WHERE o.calendar_id = NEW.calendar_id"
         " AND NOT (o.id IS NOT DISTINCT FROM NEW.id) AND o.end_at > NEW.start_at AND o.start_at < NEW.end_at"
         f" AND {LIVE_O}"
         " AND NOT (o.service_id = NEW.service_id AND o.start_at = NEW.start_at AND o.end_at = NEW.end_at)")
SHARED = ("SELECT coalesce(sum(o.number_of_persons), 0) FROM public.booking o WHERE o.calendar_id = NEW.calendar_id"
          " AND NOT (o.id IS NOT DISTINCT FROM NEW.id) AND o.service_id = NEW.service_id"
          f" AND o.start_at = NEW.start_at AND o.end_at = NEW.end_at AND {LIVE_O}")


def _no_overlap(clash_test: str) -> str:
    """0010's function, written out so each revision keeps meaning what it meant; only the clash
    test differs."""
    return f"""
CREATE OR REPLACE FUNCTION booking_no_overlap() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.source = 'calendly' OR NOT {LIVE_NEW} THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.calendar_id = NEW.calendar_id AND OLD.service_id = NEW.service_id AND OLD.start_at = NEW.start_at AND OLD.end_at = NEW.end_at AND OLD.number_of_persons >= NEW.number_of_persons AND {LIVE_OLD} THEN
      RETURN NEW;
    END IF;
  END IF;
  -- Queue behind any other booking of this calendar (the app holds this lock already), so the
  -- reads below see a racing booking once it has committed.
  PERFORM 1 FROM public.calendar WHERE id = NEW.calendar_id FOR UPDATE;
  IF {clash_test}
     OR ({SHARED}) + NEW.number_of_persons
        > (SELECT capacity_persons FROM public.service WHERE id = NEW.service_id) THEN
    RAISE EXCEPTION 'booking_no_overlap: calendar % is taken at %', NEW.calendar_id, NEW.start_at
      USING ERRCODE = '23P01', CONSTRAINT = 'booking_no_overlap';
  END IF;
  RETURN NEW;
END $$
"""


# A count, not EXISTS: EXISTS invites a "stop at the first match" sequential scan (see above).
COUNTED_CLASHES = f"({CLASH.format(select='count(*)')}) > 0"
EXISTS_CLASH = f"EXISTS ({CLASH.format(select='1')})"


def upgrade() -> None:
    op.create_index("ix_booking_store_month_count", "booking", ["store_id", "created_at"],
                    postgresql_include=["client_user_id"], postgresql_where=sa.text(COUNTED),
                    sqlite_where=sa.text(COUNTED))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_no_overlap(COUNTED_CLASHES))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_no_overlap(EXISTS_CLASH))
    op.drop_index("ix_booking_store_month_count", table_name="booking")
