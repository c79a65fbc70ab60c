"""Range bounds in requests: a plain date (a day in the store's time zone) or an instant with an
offset, by one rule written once (RANGE_RULE, the OpenAPI description of the API)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import PlainValidator, TypeAdapter, ValidationError, WithJsonSchema

from hub_app.api.v1.schemas import Instant

# The one rule for every range a request asks for, stated once in the OpenAPI description.
RANGE_RULE = (
    "**Ranges.** Wherever a request asks for a range (`start`, `end`), each bound is either a plain date "
    "(`2030-01-07`), meaning that whole day in the store's time zone (a start is the day's first moment, an end "
    "includes the day), or an ISO 8601 instant with an offset (`2030-01-07T09:00:00+02:00` or `…Z`). A time "
    "without an offset is refused (422): it would mean different instants in different places. Availability "
    "is counted in whole days, so its `start` and `end` are plain dates (the last day included)."
)
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = TypeAdapter(Instant)


def _day_or_instant(value: object) -> date | datetime:
    if isinstance(value, datetime):
        return _INSTANT.validate_python(value)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if _PLAIN_DATE.fullmatch(text):
            return date.fromisoformat(text)
        return _INSTANT.validate_python(text)
    except (ValueError, ValidationError):
        raise ValueError("expected a date (YYYY-MM-DD) or an instant with an offset "
                         "(YYYY-MM-DDTHH:MM:SS+HH:MM or …Z)") from None


# A range bound: a local day (date) or an instant (aware datetime, UTC); see RANGE_RULE.
DayOrInstant = Annotated[
    date | datetime,
    PlainValidator(_day_or_instant),
    WithJsonSchema({"type": "string", "examples": ["2030-01-07", "2030-01-07T09:00:00+02:00"],
                    "description": "A date (a day in the store's time zone) or an instant with an offset."}),
]
