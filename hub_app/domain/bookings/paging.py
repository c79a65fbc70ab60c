"""Keyset pages: a cursor names the last row shown, the next page starts after it.

An OFFSET page makes the database walk past every earlier row (page 20,000 of a large store reads
half a million index entries); a keyset page reads only its own rows through an index whose order
is the page's order, with the row id as the tiebreaker so equal sort values never repeat or skip
a row. The cursor is opaque to callers (base64 of the sort values and the id) and is checked on
the way back in. Totals are counted only up to COUNT_CAP: "1,000+" is as useful as an exact
figure, and counting a store's whole history on every page view is what made pages slow.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from hub_app.domain.errors import ValidationFailed, invalid_field

COUNT_CAP = 1_000
# OFFSET stays for small jumps (and older API clients); further than this, follow the cursor.
MAX_OFFSET = 2_000


def encode_cursor(order: str, values: list[object], row_id: int) -> str:
    plain = [order, [v.isoformat() if isinstance(v, datetime) else v for v in values], row_id]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, kinds: tuple[type, ...], locale: str | None) -> tuple[list[object], int]:
    """The sort values and id a cursor names; a clear 422 for one that was altered, truncated or
    made under another sort order."""
    refused = invalid_field("cursor", "validation.bad_cursor", locale)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, values, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if made_for != order or not isinstance(row_id, int) or len(values) != len(kinds):
            raise refused
        parsed = [datetime.fromisoformat(v) if kind is datetime else kind(v) for v, kind in zip(values, kinds)]
    except ValidationFailed:
        raise
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise refused from None
    if any(isinstance(v, datetime) and v.tzinfo is None for v in parsed):
        raise refused
    return parsed, row_id


def after(columns: list, id_column, values: list[object], row_id: int, descending: bool):
    """The condition "comes after (values, id)" in the page order, as one row comparison the
    index answers directly."""
    left, right = tuple_(*columns, id_column), tuple_(*values, row_id)
    return left < right if descending else left > right


def capped_count(db: Session, statement, cap: int = COUNT_CAP) -> int:
    """How many rows `statement` selects, counting at most cap + 1 of them."""
    limited = statement.limit(cap + 1).subquery()
    return db.scalar(select(func.count()).select_from(limited)) or 0


def check_offset(offset: int, locale: str | None) -> int:
    if offset > MAX_OFFSET:
        raise invalid_field("offset", "validation.offset_too_far", locale, max=MAX_OFFSET)
    return offset
