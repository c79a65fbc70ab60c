"""Generic admin writes for tables without their own service: checked, audited, never orphaning.

The admin panel edits any table. Writes still follow the rules the database cannot state alone:
a row that points at another tenant row (a calendar, a service, a booking) must point inside its
own store; datetimes without a zone are read as UTC; secrets are encrypted before storage and
never written to the audit log; deletes the foreign keys forbid become a clear refusal.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.base import TenantScoped
from hub_app.domain.errors import Conflict, NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.secrets import encrypt_secret
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

# Never set from a form: keys, bookkeeping, password hashes and stored ciphertexts.
PROTECTED_COLUMNS = frozenset({"id", "created_at", "updated_at", "password_hash"})


def _is_protected(name: str) -> bool:
    return name in PROTECTED_COLUMNS or name.endswith("_encrypted")


def _as_utc(value: Any) -> Any:
    if isinstance(value, datetime) and (value.tzinfo is None or value.utcoffset() is None):
        return value.replace(tzinfo=timezone.utc)
    return value


def _model_for_table(table_name: str) -> type | None:
    from sqlmodel import SQLModel

    for mapper in SQLModel._sa_registry.mappers:
        if mapper.local_table.name == table_name:
            return mapper.class_
    return None


def check_same_store(db: Session, obj: Any, locale: str | None = None) -> None:
    """A tenant row may reference other tenant rows only inside its own store."""
    if not isinstance(obj, TenantScoped) or getattr(obj, "store_id", None) is None:
        return
    errors: dict[str, str] = {}
    for column in obj.__table__.columns:
        for fk in column.foreign_keys:
            target = _model_for_table(fk.column.table.name)
            value = getattr(obj, column.key, None)
            if value is None or target is None or not issubclass(target, TenantScoped) or column.key == "store_id":
                continue
            referenced = db.get(target, value)
            if referenced is None:
                errors[column.key] = t("admin.reference_missing", locale)
            elif getattr(referenced, "store_id", None) != obj.store_id:
                errors[column.key] = t("admin.reference_other_store", locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)


def integrity_message(exc: IntegrityError, locale: str | None = None) -> str:
    """Name the broken rule without echoing row values (which may be personal data)."""
    orig = exc.orig
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    if constraint is None:
        text = str(orig).splitlines()[0] if orig is not None else ""
        constraint = text.split(":", 1)[1].strip() if ":" in text else text
    return t("admin.integrity", locale, rule=constraint[:120])


def save_row(db: Session, ctx: TenantContext, model: type, pk: Any, values: dict,
             secrets: dict[str, str | None] | None = None) -> Any:
    """Create (pk None) or update one row from form values; `secrets` maps column -> new plaintext."""
    require(ctx, Feature.FULL_DATA_ACCESS)
    columns = {c.key for c in sa_inspect(model).column_attrs}
    if pk is None:
        obj, before = model(), None
    else:
        obj = db.get(model, pk)
        if obj is None:
            raise NotFound(t("admin.not_found", ctx.locale))
        before = snapshot(obj)
    for name, value in values.items():
        if name not in columns or _is_protected(name):
            message = t("admin.field_not_editable", ctx.locale, field=name)
            raise ValidationFailed(message, fields={name: message})
        setattr(obj, name, _as_utc(value))
    for column, plain in (secrets or {}).items():
        if not column.endswith("_encrypted") or column not in columns:
            raise ValidationFailed(t("admin.field_not_editable", ctx.locale, field=column))
        if plain:  # empty means "keep the stored secret"
            setattr(obj, column, encrypt_secret(plain))
    check_same_store(db, obj, ctx.locale)
    if pk is None:
        db.add(obj)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:
        raise ValidationFailed(integrity_message(exc, ctx.locale)) from None
    except ValueError as exc:  # e.g. a naive datetime refused by UTCDateTime
        raise ValidationFailed(str(exc)) from None
    _audit(db, ctx, obj, "created" if pk is None else "updated", before, snapshot(obj))
    return obj


def delete_row(db: Session, ctx: TenantContext, model: type, pk: Any) -> None:
    """Delete one row; refused (Conflict) while other rows still depend on it."""
    require(ctx, Feature.FULL_DATA_ACCESS)
    obj = db.get(model, pk)
    if obj is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    before = snapshot(obj)
    try:
        with db.begin_nested():
            db.delete(obj)
            db.flush()
    except IntegrityError:
        raise Conflict(t("admin.delete_referenced", ctx.locale)) from None
    _audit(db, ctx, obj, "deleted", before, None)


def _audit(db: Session, ctx: TenantContext, obj: Any, action: str, before: dict | None, after: dict | None) -> None:
    # Only rows with a single integer id can be named in the audit log.
    if isinstance(getattr(obj, "id", None), int):
        record(db, ctx, entity=obj, action=action, before=before, after=after)
