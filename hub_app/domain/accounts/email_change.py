"""Changing the sign-in email: only with the current password, and only once the new address confirms.

A stolen session token alone cannot move an account to the thief's address:

1. `edit_profile` (every adapter's profile save) asks for the current password when the email
   changes, and changes nothing about the email yet: it e-mails a signed link to the NEW address
   and a notice to the OLD one (both through the notifications outbox, as ACCOUNT messages of the
   account's store: see recovery.home_store_id).
2. `confirm_email_change` (the link's page, or `POST /api/v1/me/email/confirm`) switches the
   address. The link carries the account, the new address and a fingerprint of the address it was
   issued for, so it works once (afterwards the current address differs) and for 24 hours.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.recovery import home_store_id
from hub_app.domain.accounts.service import acting_user, find_user_by_email, update_profile, verify_password
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import normalize_email
from hub_app.i18n import t
from hub_app.row_security import act_as_user
from hub_app.settings import get_settings

CONFIRM_MAX_AGE = 24 * 3600
_SALT = "hub.email-change"
_DEDUPE_PREFIX = "email-change"


@dataclass(frozen=True)
class ProfileEdit:
    user: AppUser
    pending_email: str | None  # the new address waiting for its confirmation link, if any


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().hub_secret_key, salt=_SALT)


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def _field_error(key: str, field: str, locale: str | None, **values) -> ValidationFailed:
    message = t(key, locale, **values)
    return ValidationFailed(message, fields={field: message})


def _new_address(db: Session, user: AppUser, value: str, locale: str | None) -> str | None:
    """The normalised new address, None when it is the current one; ValidationFailed when taken."""
    email = normalize_email(str(value), locale=locale)
    if email == user.email:
        return None
    other = find_user_by_email(db, email)
    if other is not None:
        raise _field_error("auth.email_taken", "email", locale)
    return email


def edit_profile(db: Session, ctx: TenantContext, changes: dict, region: str = "GR",
                 current_password: str | None = None) -> ProfileEdit:
    """The acting user edits their profile; a new email needs `current_password` and a confirmation."""
    require(ctx, Feature.MANAGE_PROFILE)
    user = acting_user(db, ctx)
    changes = dict(changes)
    errors: dict[str, str] = {}
    new_email = None
    if "email" in changes:
        try:
            new_email = _new_address(db, user, changes.pop("email"), ctx.locale)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if changes:
        try:
            update_profile(db, ctx, changes, region)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if new_email and not errors and not verify_password(user.password_hash, current_password or ""):
        key = "auth.wrong_current_password" if current_password else "account.email_needs_password"
        errors["current_password"] = t(key, ctx.locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    if new_email:
        request_email_change(db, ctx, user, new_email)
    db.flush()
    return ProfileEdit(user=user, pending_email=new_email)


def make_confirmation_link(user: AppUser, new_email: str) -> str:
    token = _serializer().dumps({"uid": user.id, "email": new_email, "was": _fingerprint(user.email)})
    return f"{get_settings().public_base_url.rstrip('/')}/confirm-email?{urlencode({'token': token})}"


def request_email_change(db: Session, ctx: TenantContext, user: AppUser, new_email: str) -> None:
    """Queue the confirmation link to the new address and the notice to the old one."""
    store_id = home_store_id(db, user)
    store = db.get(Store, store_id) if store_id is not None else None
    if store is None:  # no store to send from (an admin): nothing could confirm the address
        raise _field_error("account.email_change_unavailable", "email", ctx.locale)
    link = make_confirmation_link(user, new_email)
    locale = outbox.message_locale(user, store)
    name = user.first_name or user.email
    digest = hashlib.sha256(link.encode()).hexdigest()[:16]
    messages = [
        (new_email, "confirm", t("account.email_confirm.subject", locale),
         t("account.email_confirm.body", locale, name=name, email=new_email, link=link, hours=CONFIRM_MAX_AGE // 3600)),
        (user.email, "notice", t("account.email_notice.subject", locale),
         t("account.email_notice.body", locale, name=name, email=new_email, old=user.email)),
    ]
    with outbox.acting_for_store(db, store.id):
        for address, what, subject, body in messages:
            outbox.add_once(db, Notification(
                store_id=store.id, recipient_user_id=user.id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
                subject=subject, body=body, to_address=address, status=NotificationStatus.PENDING,
                dedupe_key=f"{_DEDUPE_PREFIX}:{user.id}:{digest}:{what}", next_attempt_at=utcnow(),
            ))


def confirm_email_change(db: Session, ctx: TenantContext, token: str) -> AppUser:
    """Switch the account to the address the link was sent to; ValidationFailed (with `reason`
    expired, used or invalid) for any other link."""
    def refused(key: str, reason: str) -> ValidationFailed:
        message = t(key, ctx.locale)
        return ValidationFailed(message, fields={"token": message}, reason=reason)

    try:
        data = _serializer().loads(token or "", max_age=CONFIRM_MAX_AGE)
    except SignatureExpired:
        raise refused("account.email_link_expired", "expired") from None
    except BadSignature:
        raise refused("account.email_link_invalid", "invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        raise refused("account.email_link_invalid", "invalid")
    uid = data.get("uid")
    if isinstance(uid, int):
        act_as_user(db, uid)  # the signed link proves who it is for: a manager's row is theirs to read
    user = db.get(AppUser, uid)
    if user is None or not user.is_active:
        raise refused("account.email_link_invalid", "invalid")
    if data.get("was") != _fingerprint(user.email):
        raise refused("account.email_link_used", "used")
    other = find_user_by_email(db, data["email"])
    if other is not None and other.id != user.id:
        raise _field_error("auth.email_taken", "token", ctx.locale)
    user.email = data["email"]
    db.flush()
    return user
