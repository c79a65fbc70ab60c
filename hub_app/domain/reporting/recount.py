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
    }


_COLUMNS = {
    "booking_day_stats": ("store_id, day, status", "bookings, amount_cents"),
    "booking_made_day_stats": ("store_id, day, status", "bookings"),
    "payment_day_stats": ("store_id, day, currency", "amount_cents"),
}


def _day(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _rows(db: Session, sql: str, keys: int) -> dict[tuple, tuple[int, ...]]:
    found = {}
    for row in db.execute(text(sql)):
        values = tuple(int(v or 0) for v in row[keys:])
        if any(values):  # a total that went back to zero is the same as no row
            found[(row[0], _day(row[1]), row[2])] = values
    return found


def recount(db: Session) -> Totals:
    """Every rollup as the source rows say it should be."""
    return {table: _rows(db, sql, 3) for table, sql in _sql(db.get_bind().dialect.name).items()}


def stored(db: Session) -> Totals:
    """Every rollup as the triggers kept it."""
    return {table: _rows(db, f"SELECT {keys}, {values} FROM {table}", 3)
            for table, (keys, values) in _COLUMNS.items()}


def rebuild(db: Session) -> None:
    """Replace the rollups with a recount (cross-store: run as the tables' owner or unlocked)."""
    for table, sql in _sql(db.get_bind().dialect.name).items():
        keys, values = _COLUMNS[table]
        db.execute(text(f"DELETE FROM {table}"))
        db.execute(text(f"INSERT INTO {table} ({keys}, {values}) {sql}"))
