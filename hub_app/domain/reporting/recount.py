"""The rollups recounted from the source rows: what the triggers must always agree with.

`recount` reads every booking and payment (a full scan: for checks and repairs, never for a page
view); `rebuild` replaces the rollups with it, e.g. after a bulk load that ran without triggers.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

Totals = dict[str, dict[tuple, tuple[int, ...]]]  # table -> key -> values


def _sql(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        cents, created, paid = ("round({} * 100)::bigint", "(created_at AT TIME ZONE 'UTC')::date",
                                "(payment_date AT TIME ZONE 'UTC')::date")
    else:
        cents, created, paid = ("CAST(round({} * 100) AS INTEGER)", "date(created_at)", "date(payment_date)")
    signed = f"CASE WHEN kind = 'refund' THEN -1 ELSE 1 END * {cents.format('amount')}"
    return {
        "booking_day_stats": "SELECT store_id, booking_date, status, count(*), "
                             f"sum({cents.format('total_amount')}) FROM booking GROUP BY store_id, booking_date, status",
        "booking_made_day_stats": f"SELECT store_id, {created}, status, count(*) FROM booking GROUP BY 1, 2, 3",
        "payment_day_stats": f"SELECT store_id, {paid}, currency, sum({signed}) FROM payment "
                             "WHERE status IN ('succeeded', 'refunded') AND kind IN ('charge', 'refund') "
                             "GROUP BY 1, 2, 3",
        "client_store_stats": "SELECT store_id, user_id, sum(bookings), max(last_start_at), max(linked) > 0 FROM ("
                              " SELECT store_id, client_user_id AS user_id, count(*) AS bookings,"
                              " max(start_at) AS last_start_at, 0 AS linked FROM booking"
                              " GROUP BY store_id, client_user_id"
                              " UNION ALL SELECT store_id, user_id, 0, NULL, 1 FROM store_client"
                              " WHERE user_id IS NOT NULL AND status IN ('active', 'unclaimed')"
                              ") AS pairs GROUP BY store_id, user_id",
    }


_COLUMNS = {
    "booking_day_stats": ("store_id, day, status", "bookings, amount_cents"),
    "booking_made_day_stats": ("store_id, day, status", "bookings"),
    "payment_day_stats": ("store_id, day, currency", "amount_cents"),
    "client_store_stats": ("store_id, client_user_id", "bookings, last_start_at, linked"),
}


def _plain(value):
    """One spelling per value whatever the driver returns (dates as text on SQLite, booleans as 0/1)."""
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return int(value)


def _rows(db: Session, sql: str, keys: int) -> dict[tuple, tuple]:
    found = {}
    for row in db.execute(text(sql)):
        values = tuple(_plain(v) for v in row[keys:])
        if any(values):  # a total that went back to zero (no bookings, not linked) is the same as no row
            found[tuple(_plain(v) for v in row[:keys])] = values
    return found


def _keys(table: str) -> int:
    return len(_COLUMNS[table][0].split(","))


def recount(db: Session) -> Totals:
    """Every rollup as the source rows say it should be."""
    return {table: _rows(db, sql, _keys(table)) for table, sql in _sql(db.get_bind().dialect.name).items()}


def stored(db: Session) -> Totals:
    """Every rollup as the triggers kept it."""
    return {table: _rows(db, f"SELECT {keys}, {values} FROM {table}", _keys(table))
            for table, (keys, values) in _COLUMNS.items()}


def rebuild(db: Session) -> None:
    """Replace the rollups with a recount (cross-store: run as the tables' owner or unlocked)."""
    for table, sql in _sql(db.get_bind().dialect.name).items():
        keys, values = _COLUMNS[table]
        db.execute(text(f"DELETE FROM {table}"))
        db.execute(text(f"INSERT INTO {table} ({keys}, {values}) {sql}"))
