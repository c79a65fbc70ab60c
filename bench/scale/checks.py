"""What the skipped row triggers would have enforced, checked set-wise over the loaded data.

The load (load.py) runs with `session_replication_role = replica`, so these are the proof that
the data still obeys the schema: every foreign key resolves, no two active bookings of one
calendar overlap (the rule of the `booking_no_overlap` trigger), no group exceeds the service's
capacity, and every calendar has its availability_version row (what `add_availability_version`
writes when a calendar is inserted).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

# The trigger's definition of a booking that holds its place (0010, booking_no_overlap()).
ACTIVE = ("(b.status IN ('confirmed', 'completed', 'no_show') OR (b.status = 'pending' "
          "AND (b.hold_expires_at IS NULL OR b.hold_expires_at > now()))) AND b.source <> 'calendly'")


def _foreign_keys(conn: psycopg.Connection) -> list[tuple[str, str, str, str, str]]:
    """(constraint, table, column, referenced table, referenced column) of every one-column FK."""
    return conn.execute(
        """SELECT c.conname, t.relname, a.attname, r.relname, ra.attname
             FROM pg_constraint c
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
              AND t.relnamespace = 'public'::regnamespace
            ORDER BY 2, 1""").fetchall()


def problems(conn: psycopg.Connection) -> list[str]:
    found: list[str] = []
    for name, table, column, ref_table, ref_column in _foreign_keys(conn):
        query = sql.SQL(
            "SELECT count(*) FROM {t} x WHERE x.{c} IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM {r} y WHERE y.{rc} = x.{c})").format(
            t=sql.Identifier(table), c=sql.Identifier(column), r=sql.Identifier(ref_table),
            rc=sql.Identifier(ref_column))
        missing = conn.execute(query).fetchone()[0]
        if missing:
            found.append(f"{name}: {missing} rows of {table}.{column} point at no {ref_table}")
    overlaps = conn.execute(
        f"""SELECT count(*) FROM (
              SELECT b.start_at, lag(b.end_at) OVER w AS previous_end,
                     (b.service_id, b.start_at, b.end_at) IS NOT DISTINCT FROM lag((b.service_id, b.start_at, b.end_at)) OVER w AS same_slot
                FROM booking b WHERE {ACTIVE}
              WINDOW w AS (PARTITION BY b.calendar_id ORDER BY b.start_at, b.end_at)) s
            WHERE s.previous_end > s.start_at AND NOT s.same_slot""").fetchone()[0]
    if overlaps:
        found.append(f"booking_no_overlap: {overlaps} active bookings overlap another of their calendar")
    over_capacity = conn.execute(
        f"""SELECT count(*) FROM (
              SELECT b.service_id, sum(b.number_of_persons) AS persons FROM booking b WHERE {ACTIVE}
               GROUP BY b.calendar_id, b.service_id, b.start_at, b.end_at) g
              JOIN service s ON s.id = g.service_id WHERE g.persons > s.capacity_persons""").fetchone()[0]
    if over_capacity:
        found.append(f"booking_no_overlap: {over_capacity} slots hold more persons than their service's capacity")
    unversioned = conn.execute(
        """SELECT count(*) FROM calendar c LEFT JOIN availability_version v ON v.calendar_id = c.id
            WHERE v.calendar_id IS NULL OR v.store_id <> c.store_id""").fetchone()[0]
    if unversioned:
        found.append(f"availability_version: {unversioned} calendars without their version row")
    disabled = conn.execute(
        """SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'""").fetchone()[0]
    if disabled:
        found.append(f"{disabled} triggers are disabled")
    return found
