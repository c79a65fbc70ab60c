"""How many rows an admin list says it has, without counting a big table on every page view.

SQLAdmin counts the whole (filtered) list for each page and pages with OFFSET. Here an
unfiltered list of a big table shows PostgreSQL's own estimate (`pg_class.reltuples`, kept by
autovacuum/ANALYZE) as "~4,000,000", a filtered one stops counting at COUNT_CAP ("10,000+"), and
in both cases pages reach the first COUNT_CAP rows of the chosen order: narrow the list with the
search box or the filters to reach others. Small tables are counted exactly.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

COUNT_CAP = 10_000


class ShownCount(int):
    """A count that pages stop at (an int for SQLAdmin's arithmetic) with the label to show."""

    label: str

    def __new__(cls, value: int, label: str) -> "ShownCount":
        made = super().__new__(cls, value)
        made.label = label
        return made

    def __str__(self) -> str:
        return self.label


def estimated_rows(session: Session, table: str) -> int | None:
    """PostgreSQL's estimate of a table's rows; None elsewhere or before the first ANALYZE."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    estimate = session.execute(text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"),
                               {"t": table}).scalar()
    return int(estimate) if estimate is not None and estimate >= 0 else None


def list_count(session: Session, listed, table: str, unfiltered: bool) -> int:
    """The count an admin list page shows for the select `listed`."""
    if unfiltered:
        estimate = estimated_rows(session, table)
        if estimate is not None and estimate > COUNT_CAP:
            return ShownCount(COUNT_CAP + 1, f"~{estimate:,}")
    return capped_count(session, listed)


def capped_count(session: Session, listed) -> int:
    """Rows of `listed`, counting no further than COUNT_CAP + 1 (shown as "10,000+")."""
    bounded = listed.order_by(None).limit(COUNT_CAP + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(bounded)) or 0
    return ShownCount(COUNT_CAP + 1, f"{COUNT_CAP:,}+") if counted > COUNT_CAP else counted
