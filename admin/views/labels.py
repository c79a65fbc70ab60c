"""Human names for rows, so ids in lists and details read as "Store 7 · Chair 2", not "#12"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.models import Payment, Subscription, SubscriptionPlan
from hub_app.domain.bookings.models import Booking
from hub_app.domain.scheduling.models import Calendar, Service
from hub_app.domain.stores.models import Store

CHOICE_LIMIT = 1000


def _user(u: AppUser) -> str:
    return f"{u.full_name} <{u.email}>" if u.full_name else u.email


def _booking(b: Booking) -> str:
    return f"#{b.id} · {b.start_at:%Y-%m-%d %H:%M} UTC · {b.status.value}"


LABELERS: dict[type, Callable[[Any], str]] = {
    Store: lambda s: s.name,
    AppUser: _user,
    Calendar: lambda c: c.name,
    Service: lambda s: s.name,
    SubscriptionPlan: lambda p: p.name,
    Booking: _booking,
    Payment: lambda p: f"#{p.id} · {p.amount} {p.currency} · {p.status.value}",
    Subscription: lambda s: f"#{s.id} · {s.status.value}",
}


def label_for(obj: Any) -> str:
    labeler = LABELERS.get(type(obj))
    if labeler is not None:
        return labeler(obj)
    name = getattr(obj, "name", None)
    return f"#{obj.id} · {name}" if name and hasattr(obj, "id") else f"#{getattr(obj, 'id', '')}"


def load_labels(session: Session, wanted: dict[type, set[int]]) -> dict[tuple[type, int], str]:
    """One query per referenced table for a page of rows."""
    labels: dict[tuple[type, int], str] = {}
    for model, ids in wanted.items():
        if not ids:
            continue
        for obj in session.scalars(select(model).where(model.id.in_(sorted(ids)))):
            labels[(model, obj.id)] = label_for(obj)
    return labels


def choices_for(session: Session, model: type) -> list[tuple[int, str]]:
    """Options of a select box; rows of a store are prefixed with the store's name."""
    rows = list(session.scalars(select(model).order_by(model.id).limit(CHOICE_LIMIT)))
    store_names: dict[int, str] = {}
    if rows and hasattr(model, "store_id") and model is not AppUser:
        store_ids = {r.store_id for r in rows}
        store_names = dict(session.execute(select(Store.id, Store.name).where(Store.id.in_(store_ids))).all())
    out = []
    for row in rows:
        text = label_for(row)
        if store_names:
            text = f"{store_names.get(row.store_id, '?')} · {text}"
        out.append((row.id, text))
    return out
