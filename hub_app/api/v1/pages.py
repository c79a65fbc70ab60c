"""Paged list answers and their query parameters: keyset cursors, bounded sizes, capped totals.

A page size above MAX_PAGE is refused with a 422 naming the maximum (not clamped: a client asking
for 100,000 rows should learn that it gets 500, not believe it has everything). `cursor` (from the
previous answer's `next_cursor`) is the way through a long list; `offset` is kept for small jumps
and refused beyond MAX_OFFSET.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from hub_app.api.v1.schemas import BookingOut, ClientOut
from hub_app.domain.bookings.paging import COUNT_CAP, MAX_OFFSET
from hub_app.domain.bookings.queries import MAX_PAGE

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page, 1 to {MAX_PAGE}.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Rows to skip, at most {MAX_OFFSET:,}: "
                                                                 "use `cursor` to go further.")]
Cursor = Annotated[str | None, Query(max_length=500, description="The `next_cursor` of the previous page.")]


class _Page(BaseModel):
    total: int = Field(description=f"How many match, counted up to {COUNT_CAP:,}.")
    total_capped: bool = Field(description=f"True when more than {COUNT_CAP:,} match (total then says {COUNT_CAP:,}).")
    limit: int
    offset: int
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class BookingPage(_Page):
    items: list[BookingOut]


class ClientPage(_Page):
    items: list[ClientOut]


def capped(total: int) -> dict[str, object]:
    return {"total": min(total, COUNT_CAP), "total_capped": total > COUNT_CAP}
