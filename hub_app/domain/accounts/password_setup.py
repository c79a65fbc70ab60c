"""Signed, expiring "set your password" links: for accounts an admin created, and for resets.

The token is signed with HUB_SECRET_KEY (itsdangerous) and carries the user id plus a fingerprint
of the password hash at the time it was issued. Setting a password changes the hash, so a link
works once; it also stops working after `SETUP_TOKEN_MAX_AGE` seconds (a reset link, asked for by
anyone who knows the email, after the shorter `RESET_TOKEN_MAX_AGE`).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, AuthSession
from hub_app.domain.accounts.service import set_password
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.types import utcnow
from hub_app.i18n import t
from hub_app.row_security import act_as_user
from hub_app.settings import get_settings

SETUP_TOKEN_MAX_AGE = int(timedelta(days=3).total_seconds())
RESET_TOKEN_MAX_AGE = int(timedelta(hours=2).total_seconds())
SETUP, RESET = "setup", "reset"  # what a link was issued for
_SALT = "hub.password-setup"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().hub_secret_key, salt=_SALT)


def _fingerprint(user: AppUser) -> str:
    # A digest of the hash, never the hash itself: the token is readable by whoever holds it.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_password_setup_token(user: AppUser, purpose: str = SETUP) -> str:
    payload = {"uid": user.id, "fp": _fingerprint(user)}
    if purpose != SETUP:
        payload["p"] = purpose
    return _serializer().dumps(payload)


def make_password_setup_link(user: AppUser, purpose: str = SETUP) -> str:
    """`{public_base_url}/set-password?token=…` for this user (the page belongs to the dashboard)."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/set-password?{urlencode({'token': make_password_setup_token(user, purpose)})}"


def _refused(key: str, reason: str, locale: str | None) -> ValidationFailed:
    message = t(key, locale)
    return ValidationFailed(message, fields={"token": message}, reason=reason)


def read_setup_token(db: Session, token: str, locale: str | None = None) -> tuple[AppUser, str]:
    """(user, purpose) of a valid, unused, unexpired token; ValidationFailed otherwise, whose
    `details["reason"]` is "expired", "used" (the password changed since) or "invalid"."""
    try:
        data, issued_at = _serializer().loads(token or "", max_age=SETUP_TOKEN_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise _refused("auth.setup_link_expired", "expired", locale) from None
    except BadSignature:
        raise _refused("auth.setup_link_invalid", "invalid", locale) from None
    if not isinstance(data, dict):
        raise _refused("auth.setup_link_invalid", "invalid", locale)
    purpose = RESET if data.get("p") == RESET else SETUP
    if purpose == RESET and (utcnow() - issued_at).total_seconds() > RESET_TOKEN_MAX_AGE:
        raise _refused("auth.setup_link_expired", "expired", locale)
    uid = data.get("uid")
    if isinstance(uid, int):
        act_as_user(db, uid)  # the signed link proves who it is for: a manager's row is theirs to read
    user = db.get(AppUser, uid)
    if user is None or not user.is_active:
        raise _refused("auth.setup_link_invalid", "invalid", locale)
    if data.get("fp") != _fingerprint(user):
        raise _refused("auth.setup_link_used", "used", locale)
    return user, purpose


def user_for_setup_token(db: Session, token: str, locale: str | None = None) -> AppUser:
    """The user a valid, unused, unexpired token was issued for; ValidationFailed otherwise."""
    return read_setup_token(db, token, locale)[0]


def set_password_with_token(db: Session, token: str, new_password: str, locale: str | None = None) -> AppUser:
    """Set the password a setup link was sent for; the link cannot be used again afterwards."""
    user = user_for_setup_token(db, token, locale)
    set_password(db, user, new_password, locale)
    # Whoever held a session before the reset is signed out, as after a password change.
    for session in db.scalars(select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))):
        session.revoked_at = utcnow()
    db.flush()
    return user
