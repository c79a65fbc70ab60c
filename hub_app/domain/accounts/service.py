"""Accounts: registration, sign-in with throttling, session tokens, profile and password."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub_app.domain.accounts import signin_throttle
from hub_app.domain.accounts.lookups import session_by_token, signed_in_user_for, user_by_email
from hub_app.domain.accounts.models import AppUser, AuthSession, UserRole
from hub_app.domain.accounts.session_life import session_lifetimes
from hub_app.domain.errors import Conflict, NotAuthenticated, NotFound, RateLimited, ValidationFailed, unknown_fields
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import check_age, normalize_email, normalize_phone, require_text
from hub_app.i18n import t
from hub_app.row_security import act_as_user

MIN_PASSWORD_LENGTH = 8
# argon2id with 46 MiB, 1 pass, 1 lane: one of the equivalent configurations of OWASP's Password
# Storage Cheat Sheet (its minimum being 19 MiB with 2 passes). argon2-cffi's default (RFC 9106's
# 64 MiB, 3 passes, 4 lanes) costs about 4x the CPU for every registration and sign-in, which on a
# 2-core server capped bookings that register a client at ~5/s. Never configure less than OWASP's
# minimum. Hashes made with other parameters still verify and are re-hashed at the next sign-in.
PASSWORD_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 47104, "parallelism": 1}
_hasher = PasswordHasher(**PASSWORD_HASH_PARAMETERS)
# Verified against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str, locale: str | None = None, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        message = t("auth.password_too_short", locale, min=MIN_PASSWORD_LENGTH)
        raise ValidationFailed(message, fields={field: message})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class ClientDetails:
    first_name: str
    last_name: str
    email: str
    phone: str
    address: str
    age: int | str
    password: str
    locale: str = "en"


def validate_client_details(details: ClientDetails, region: str = "GR", locale: str | None = None) -> dict:
    """Check every field and report all problems at once; returns the normalised values."""
    fields = details.__dict__
    require_text(fields, ["first_name", "last_name", "email", "phone", "address", "age", "password"], locale)
    errors: dict[str, str] = {}
    clean: dict = {}
    for name, check in (
        ("email", lambda: normalize_email(details.email, locale=locale)),
        ("phone_number", lambda: normalize_phone(details.phone, region, locale=locale)),
        ("age", lambda: check_age(details.age, locale)),
        ("password", lambda: check_password_strength(details.password, locale)),
    ):
        try:
            clean[name] = check()
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    clean.update(
        first_name=details.first_name.strip()[:100],
        last_name=details.last_name.strip()[:100],
        address=details.address.strip()[:300],
    )
    return clean


def find_user_by_email(db: Session, email: str) -> AppUser | None:
    return user_by_email(db, email.strip().lower())


def register_client(db: Session, details: ClientDetails, region: str = "GR") -> AppUser:
    """Create a client account. Does not commit: booking calls it inside its own transaction."""
    clean = validate_client_details(details, region, details.locale)
    if find_user_by_email(db, clean["email"]) is not None:
        raise Conflict(t("auth.email_taken", details.locale), fields={"email": t("auth.email_taken", details.locale)})
    user = AppUser(
        first_name=clean["first_name"], last_name=clean["last_name"], email=clean["email"],
        phone_number=clean["phone_number"], address=clean["address"], age=clean["age"],
        password_hash=hash_password(details.password), role=UserRole.CLIENT, locale=details.locale,
        password_changed_at=utcnow(),
    )
    try:
        # Its own savepoint: two registrations of one email racing each other both pass the
        # check above, and the loser's insert waits for the winner's commit, then breaks the
        # unique index. That is "this email is taken", said as such, not a 500.
        with db.begin_nested():
            db.add(user)
            db.flush()
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in ("uq_app_user_email", "app_user.email")):
            raise  # PostgreSQL names the constraint, SQLite the column
        raise Conflict(t("auth.email_taken", details.locale),
                       fields={"email": t("auth.email_taken", details.locale)}) from None
    return user


def create_user(
    db: Session, ctx: TenantContext, *, email: str, password: str, role: UserRole,
    first_name: str = "", last_name: str = "", store_id: int | None = None,
    phone: str | None = None, locale: str = "en",
) -> AppUser:
    """Admin: create any user. A store manager must have a store."""
    require(ctx, Feature.MANAGE_MANAGERS if role != UserRole.CLIENT else Feature.FULL_DATA_ACCESS)
    normalized = normalize_email(email, locale=ctx.locale)
    check_password_strength(password, ctx.locale)
    if role == UserRole.STORE_MANAGER and store_id is None:
        raise ValidationFailed(t("validation.manager_store", ctx.locale), fields={"store_id": t("validation.manager_store", ctx.locale)})
    if find_user_by_email(db, normalized) is not None:
        raise Conflict(t("auth.email_taken", ctx.locale), fields={"email": t("auth.email_taken", ctx.locale)})
    user = AppUser(
        email=normalized, password_hash=hash_password(password), role=role,
        first_name=first_name, last_name=last_name,
        store_id=store_id if role == UserRole.STORE_MANAGER else None,
        phone_number=normalize_phone(phone, locale=ctx.locale) if phone else None,
        locale=locale, password_changed_at=utcnow(),
    )
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, email: str, password: str, ip: str | None = None,
                 locale: str | None = None, device_token: str | None = None) -> tuple[AppUser, str]:
    """Check the password and open a session; returns the user and the raw token (shown once).

    Repeated failures slow down this account from this address (see signin_throttle): an attempt
    made before its delay has passed raises RateLimited, unless the source is one the account
    signed in from before and the password is right.
    """
    email = (email or "").strip().lower()
    if not email or not password:
        # Say what is missing rather than "not correct" (which hides that a field is empty), and do
        # not count it: nothing was guessed, so it must not bring a shared address closer to throttling.
        message = t("auth.credentials_required", locale)
        missing = {name: message for name, value in (("email", email), ("password", password)) if not value}
        raise ValidationFailed(message, fields=missing)
    user = find_user_by_email(db, email)
    known = signin_throttle.source_known(db, user, ip, device_token)
    wait = signin_throttle.wait_before_attempt(db, email, ip, known=known)
    if wait and not known:
        raise _slowed_down(wait, locale)
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if not ok or user is None or not user.is_active:
        signin_throttle.record_failure(db, email, ip)
        if wait:  # a known source during its delay: the same answer as an unchecked attempt
            raise _slowed_down(wait, locale)
        raise NotAuthenticated(t("auth.invalid_credentials", locale))
    act_as_user(db, user.id)  # proved by the password: a rehash of their own row is theirs to write
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, open_session_token(db, user, ip)


def _slowed_down(seconds: int, locale: str | None) -> RateLimited:
    return RateLimited(t("auth.signin_slowed", locale, seconds=seconds), retry_after=seconds)



def open_session_token(db: Session, user: AppUser, ip: str | None = None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    idle, absolute = session_lifetimes()
    # Called once the user is known (a password checked, an account just registered): the
    # session row is theirs, which row-level security must see before it lets the insert in.
    act_as_user(db, user.id)
    db.add(AuthSession(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                       expires_at=now + min(idle, absolute), ip_address=ip[:64] if ip else None))
    db.flush()
    return token


def user_for_token(db: Session, token: str | None) -> AppUser | None:
    """The signed-in user for a session token, or None when it is unknown, expired or revoked.

    Using a live session extends it (see `keep_alive`)."""
    if not token:
        return None
    return signed_in_user_for(db, _token_hash(token))


def session_token_hash(token: str) -> str:
    """What the sessions table keeps of a token (for lookups joined to other reads)."""
    return _token_hash(token)



def logout(db: Session, token: str) -> None:
    session = session_by_token(db, _token_hash(token))
    if session is not None and session.revoked_at is None:
        act_as_user(db, session.user_id)  # the token is the proof: its holder may end it
        session.revoked_at = utcnow()


def change_password(db: Session, ctx: TenantContext, current: str, new: str) -> None:
    """Change the acting user's password and sign out every other session."""
    user = _acting_user(db, ctx)
    if not verify_password(user.password_hash, current or ""):
        message = t("auth.wrong_current_password", ctx.locale)
        raise ValidationFailed(message, fields={"current_password": message})
    check_password_strength(new, ctx.locale, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    for session in db.scalars(select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))):
        session.revoked_at = utcnow()


def set_password(db: Session, user: AppUser, new: str, locale: str | None = None) -> None:
    check_password_strength(new, locale)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()


PROFILE_FIELDS = ("first_name", "last_name", "phone", "address", "age", "locale", "email")


def update_profile(db: Session, ctx: TenantContext, changes: dict, region: str = "GR") -> AppUser:
    """The acting user edits their own profile; every field is checked as at registration."""
    require(ctx, Feature.MANAGE_PROFILE)
    user = _acting_user(db, ctx)
    errors: dict[str, str] = {}
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise unknown_fields(unknown, ctx.locale)
    for name, value in changes.items():
        try:
            if name in ("first_name", "last_name", "address"):
                require_text({name: value}, [name], ctx.locale)
                setattr(user, name, str(value).strip()[: 300 if name == "address" else 100])
            elif name == "phone":
                user.phone_number = normalize_phone(str(value), region, locale=ctx.locale)
            elif name == "age":
                user.age = check_age(value, ctx.locale)
            elif name == "locale":
                from hub_app.domain.validation import check_locale

                user.locale = check_locale(str(value), ctx.locale)
            elif name == "email":
                # Only email_change.edit_profile changes it (current password + confirmation link).
                email = normalize_email(str(value), locale=ctx.locale)
                if email != user.email:
                    message = t("account.email_needs_confirmation", ctx.locale)
                    raise ValidationFailed(message, fields={"email": message})
        except ValidationFailed as exc:
            errors.update(exc.fields or {name: exc.message})
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    db.flush()
    return user


def acting_user(db: Session, ctx: TenantContext) -> AppUser:
    """The signed-in user the context acts for."""
    return _acting_user(db, ctx)


def _acting_user(db: Session, ctx: TenantContext) -> AppUser:
    if ctx.user_id is None:
        raise NotAuthenticated(t("auth.not_signed_in", ctx.locale))
    user = db.get(AppUser, ctx.user_id)
    if user is None:
        raise NotFound(t("user.not_found", ctx.locale))
    return user


def ensure_admin(db: Session, email: str, password: str) -> tuple[AppUser, bool]:
    """Create the admin, or reset its password if it exists (idempotent). Returns (user, created)."""
    normalized = normalize_email(email)
    check_password_strength(password)
    user = find_user_by_email(db, normalized)
    if user is not None:
        if user.role != UserRole.ADMIN:
            raise Conflict(t("accounts.not_an_admin", None, email=normalized, role=user.role.value))
        if not verify_password(user.password_hash, password):
            set_password(db, user, password)
        return user, False
    user = AppUser(email=normalized, password_hash=hash_password(password), role=UserRole.ADMIN,
                   first_name="Admin", password_changed_at=utcnow())
    db.add(user)
    db.flush()
    return user, True
