"""Writing the audit log: one call per change that matters (bookings, payments, subscriptions, store
and service settings)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.base import new_row
from hub_app.domain.tenancy import TenantContext


def json_ready(value: Any) -> Any:
    """A column value as JSON: enums by value, times in ISO 8601, money as a decimal string."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The row's columns as JSON-ready values; secrets are never part of a snapshot."""
    names = fields or tuple(c.name for c in obj.__table__.columns)
    return {n: json_ready(getattr(obj, n)) for n in names if "password" not in n and "encrypted" not in n}


def record(db: Session, ctx: TenantContext, *, entity: Any, action: str,
           before: dict | None = None, after: dict | None = None, store_id: int | None = None) -> AuditEntry:
    entry = new_row(
        AuditEntry,
        store_id=store_id if store_id is not None else getattr(entity, "store_id", None),
        actor_user_id=ctx.user_id,
        actor_role=ctx.role.value if ctx.role else ("system" if ctx.bypass or ctx.user_id is None else None),
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        action=action,
        before=before,
        after=after,
    )
    db.add(entry)
    return entry


def record_change(db: Session, ctx: TenantContext, entity: Any, before: dict[str, Any], *,
                  action: str = "updated", store_id: int | None = None) -> AuditEntry | None:
    """Audit the fields of `before` (a snapshot taken before the edit) whose values changed:
    only those, before and after; nothing when a save changed nothing."""
    after = snapshot(entity, tuple(before))
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return None
    return record(db, ctx, entity=entity, action=action, before={n: before[n] for n in changed},
                  after={n: after[n] for n in changed}, store_id=store_id)
