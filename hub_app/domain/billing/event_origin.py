"""Who sent a Stripe event, and what it may therefore act on.

One endpoint receives two kinds of events. Platform events (the platform account: store plans and
their invoices) are signed with the platform endpoint's secret and carry no `account`. Connect
events come from a store's connected account: they carry `account` and are signed with the
Connect endpoint's secret. Every store owner controls their own connected account, so a Connect
event is only as trustworthy as that store: it may act on that store's bookings, payments and
service subscriptions, never on another store's and never on a plan. Everything an event names
(booking, store, plan in its metadata) is checked against what the app recorded itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.integrations.models import VerifiedBy
from hub_app.domain.stores.models import Store


class NotReadyYet(Exception):
    """The event refers to something not recorded yet; the worker retries later."""


class Refused(Exception):
    """A genuine event that may not be applied (recorded as refused, with this reason)."""


@dataclass(frozen=True)
class Origin:
    verified_by: VerifiedBy | None
    account: str | None          # the connected account the event came from (Connect events)
    store_id: int | None         # the store owning that account, when the app knows it

    @property
    def is_platform(self) -> bool:
        return self.verified_by == VerifiedBy.PLATFORM and self.account is None


def origin_of(db: Session, event: dict[str, Any], verified_by: VerifiedBy | None) -> Origin:
    """The event's sender; Refused when the secret that verified it does not fit its kind."""
    account = event.get("account") or None
    if verified_by is None:
        raise Refused("recorded without the signing secret that verified it")
    if account is not None and verified_by != VerifiedBy.CONNECT:
        raise Refused(f"event of connected account {account} verified by the platform secret")
    if account is None and verified_by != VerifiedBy.PLATFORM:
        raise Refused("event without a connected account verified by the Connect secret")
    store_id = db.scalar(select(Store.id).where(Store.stripe_account_id == account)) if account else None
    return Origin(verified_by=verified_by, account=account, store_id=store_id)


def require_platform(origin: Origin, what: str) -> None:
    if not origin.is_platform:
        raise Refused(f"{what} is accepted only from the platform account, not from {origin.account}")


def require_store(origin: Origin, what: str) -> int:
    """The store whose connected account sent the event (Refused for platform or unknown accounts)."""
    if origin.account is None:
        raise Refused(f"{what} is accepted only from a store's connected account")
    if origin.store_id is None:
        raise Refused(f"{what} from connected account {origin.account}, which belongs to no store")
    return origin.store_id


def require_same_store(origin: Origin, store_id: int, what: str) -> None:
    if require_store(origin, what) != store_id:
        raise Refused(f"{what} belongs to another store than connected account {origin.account}")


def int_or_none(value: Any) -> int | None:
    """A metadata value as an int (None when it is missing or not a number)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def object_id(value: Any) -> str | None:
    """The id of an expandable field: Stripe sends either the id or the whole object."""
    return value.get("id") if isinstance(value, dict) else value
