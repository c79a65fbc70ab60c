"""Admin-only account operations: create, edit, archive and delete users (deletes refuse to drop
history), and the "set your password" email a new account gets. Every step is audited."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, AuthSession, UserRole
from hub_app.domain.accounts.service import create_user
from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.billing.models import Payment, ServiceSubscription
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import Conflict, NotFound, ValidationFailed, unknown_fields
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.accounts.password_setup import make_password_setup_link
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import check_age, check_locale, normalize_email, normalize_phone
from hub_app.i18n import t


def send_password_setup(db: Session, ctx: TenantContext, user: AppUser) -> tuple[Notification, str]:
    """Queue an email with a signed link that lets `user` choose a password (store staff only)."""
    require(ctx, Feature.MANAGE_MANAGERS)
    if user.store_id is None:
        # Notifications belong to a store; clients reset their password themselves.
        message = t("admin.setup_link_needs_store", ctx.locale)
        raise ValidationFailed(message, fields={"store_id": message})
    store = db.get(Store, user.store_id)
    link = make_password_setup_link(user)
    locale = user.locale or (store.locale if store else "en")
    subject = t("admin.setup_email.subject", locale, store=store.name if store else "")
    body = t("admin.setup_email.body", locale, name=user.first_name or user.email, link=link,
             store=store.name if store else "")
    dedupe_key = "account-setup:%s:%s" % (user.id, hashlib.sha256(link.encode()).hexdigest()[:16])
    notification = Notification(
        store_id=user.store_id, recipient_user_id=user.id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=subject, body=body, to_address=user.email, status=NotificationStatus.PENDING,
        dedupe_key=dedupe_key, next_attempt_at=utcnow(),
    )
    # The outbox enqueues the sender once this transaction commits (or its sweeper does later).
    with outbox.acting_for_store(db, user.store_id):
        notification = outbox.add_once(db, notification) or notification
    return notification, link


USER_EDITABLE_FIELDS = (
    "first_name", "last_name", "email", "phone_number", "address", "age", "locale", "role", "store_id", "is_active",
)


def admin_create_user(db: Session, ctx: TenantContext, *, email: str, password: str, role: UserRole | str,
                      first_name: str = "", last_name: str = "", store_id: int | None = None,
                      phone: str | None = None, locale: str = "en") -> AppUser:
    role = UserRole(role)
    if store_id is not None and db.get(Store, store_id) is None:
        raise NotFound(t("store.not_found", ctx.locale))
    user = create_user(db, ctx, email=email, password=password, role=role, first_name=first_name or "",
                       last_name=last_name or "", store_id=store_id, phone=phone or None,
                       locale=check_locale(locale or "en", ctx.locale))
    record(db, ctx, entity=user, action="created", after=snapshot(user))
    return user


def update_user(db: Session, ctx: TenantContext, user_id: int, changes: dict) -> AppUser:
    """Edit an account. The password is not editable here: send a setup link instead."""
    require(ctx, Feature.MANAGE_MANAGERS)
    user = _user(db, ctx, user_id)
    unknown = set(changes) - set(USER_EDITABLE_FIELDS)
    if unknown:
        raise unknown_fields(unknown, ctx.locale)
    before = snapshot(user)
    values = dict(changes)
    errors: dict[str, str] = {}
    if "email" in values:
        try:
            values["email"] = normalize_email(str(values["email"] or ""), locale=ctx.locale)
            other = db.scalar(select(AppUser.id).where(AppUser.email == values["email"]))
            if other is not None and other != user.id:
                errors["email"] = t("auth.email_taken", ctx.locale)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if values.get("phone_number"):
        try:
            values["phone_number"] = normalize_phone(str(values["phone_number"]), locale=ctx.locale, field="phone_number")
        except ValidationFailed as exc:
            errors.update(exc.fields)
    elif "phone_number" in values:
        values["phone_number"] = None
    if values.get("age") not in (None, ""):
        try:
            values["age"] = check_age(values["age"], ctx.locale)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    elif "age" in values:
        values["age"] = None
    if "locale" in values:
        values["locale"] = check_locale(str(values["locale"] or "en"), ctx.locale)
    role = UserRole(values.get("role", user.role))
    store_id = values.get("store_id", user.store_id)
    if role == UserRole.STORE_MANAGER:
        if store_id is None:
            errors["store_id"] = t("validation.manager_store", ctx.locale)
        elif db.get(Store, store_id) is None:
            errors["store_id"] = t("store.not_found", ctx.locale)
    else:
        values["store_id"] = None
    values["role"] = role
    if user.id == ctx.user_id and (role != UserRole.ADMIN or values.get("is_active") is False):
        errors["role"] = t("admin.cannot_demote_self", ctx.locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    if user.role == UserRole.STORE_MANAGER and role != UserRole.STORE_MANAGER:
        _release_primary_manager(db, user)
    for name, value in values.items():
        setattr(user, name, value.strip() if isinstance(value, str) and name in ("first_name", "last_name", "address") else value)
    if values.get("is_active") is False:
        _revoke_sessions(db, user)
    db.flush()
    record(db, ctx, entity=user, action="updated", before=before, after=snapshot(user))
    return user


def archive_user(db: Session, ctx: TenantContext, user_id: int) -> AppUser:
    """Deactivate an account: it can no longer sign in, and its history stays intact."""
    return update_user(db, ctx, user_id, {"is_active": False})


def user_history(db: Session, user_id: int) -> dict[str, int]:
    """Rows that record what happened to this person; while any exist the account is not deleted."""
    return {
        "bookings": db.scalar(select(func.count()).select_from(Booking).where(Booking.client_user_id == user_id)) or 0,
        "payments": db.scalar(select(func.count()).select_from(Payment).where(Payment.user_id == user_id)) or 0,
        "subscriptions": db.scalar(select(func.count()).select_from(ServiceSubscription)
                                   .where(ServiceSubscription.client_user_id == user_id)) or 0,
    }


def delete_user(db: Session, ctx: TenantContext, user_id: int) -> None:
    """Delete an account that has no history; otherwise refuse and suggest deactivating it."""
    require(ctx, Feature.MANAGE_MANAGERS)
    user = _user(db, ctx, user_id)
    if user.id == ctx.user_id:
        raise Conflict(t("admin.cannot_delete_self", ctx.locale))
    history = user_history(db, user.id)
    if any(history.values()):
        raise Conflict(t("admin.user_has_history", ctx.locale, **history))
    if user.role == UserRole.ADMIN:
        admins = db.scalar(select(func.count()).select_from(AppUser).where(
            AppUser.role == UserRole.ADMIN, AppUser.is_active.is_(True), AppUser.id != user.id)) or 0
        if admins == 0:
            raise Conflict(t("admin.last_admin", ctx.locale))
    before = snapshot(user)
    _release_primary_manager(db, user)
    # Messages addressed to the person go with them; sessions cascade in the database.
    db.execute(delete(Notification).where(Notification.recipient_user_id == user.id))
    db.delete(user)
    db.flush()
    record(db, ctx, entity=user, action="deleted", before=before, store_id=None)


def _user(db: Session, ctx: TenantContext, user_id: int) -> AppUser:
    user = db.get(AppUser, user_id)
    if user is None:
        raise NotFound(t("user.not_found", ctx.locale))
    return user


def _release_primary_manager(db: Session, user: AppUser) -> None:
    db.execute(update(Store).where(Store.manager_user_id == user.id).values(manager_user_id=None))


def _revoke_sessions(db: Session, user: AppUser) -> None:
    db.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
               .values(revoked_at=utcnow()))
