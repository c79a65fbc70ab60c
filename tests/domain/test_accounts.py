"""Registration, sign-in, session tokens, throttling, profile and password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub_app.domain.accounts.models import AppUser, AuthSession, UserRole
from hub_app.domain.accounts.service import (
    ClientDetails, authenticate, change_password, create_user, ensure_admin, logout, register_client,
    update_profile, user_for_token,
)
from hub_app.domain.errors import Conflict, NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.factories import PASSWORD, make_store


def details(**over) -> ClientDetails:
    base = dict(first_name="Eleni", last_name="Georgiou", email="Eleni@Example.COM", phone="697 123 4567",
                address="Ermou 1, Athens", age=34, password="s3cret-enough")
    base.update(over)
    return ClientDetails(**base)


def test_register_normalises_email_and_phone(db):
    user = register_client(db, details())
    assert user.email == "eleni@example.com"
    assert user.phone_number == "+306971234567"
    assert user.role == UserRole.CLIENT
    assert user.password_hash.startswith("$argon2")


def test_email_unique_case_insensitively(db):
    register_client(db, details())
    with pytest.raises(Conflict) as err:
        register_client(db, details(email="ELENI@example.com"))
    assert "email" in err.value.fields


def test_register_reports_every_bad_field_at_once(db):
    with pytest.raises(ValidationFailed) as err:
        register_client(db, details(email="not-an-email", phone="12", age=200, password="short"))
    assert set(err.value.fields) == {"email", "phone", "age", "password"}


def test_register_requires_every_field(db):
    with pytest.raises(ValidationFailed) as err:
        register_client(db, details(first_name="", address="  "))
    assert set(err.value.fields) >= {"first_name", "address"}


def test_login_returns_a_token_that_identifies_the_user(db):
    user = register_client(db, details())
    found, token = authenticate(db, "ELENI@example.com", "s3cret-enough")
    assert found.id == user.id
    assert user_for_token(db, token).id == user.id
    stored = db.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
    assert token not in stored.token_hash  # only a hash is stored
    logout(db, token)
    assert user_for_token(db, token) is None


def test_expired_token_is_refused(db):
    user = register_client(db, details())
    _, token = authenticate(db, user.email, "s3cret-enough")
    session = db.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
    session.expires_at = utcnow() - timedelta(seconds=1)
    assert user_for_token(db, token) is None
    assert user_for_token(db, "made-up-token") is None


def test_wrong_password_then_throttled(db):
    register_client(db, details())
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            authenticate(db, "eleni@example.com", "wrong", ip="10.0.0.9")
    with pytest.raises(RateLimited) as err:
        authenticate(db, "eleni@example.com", "s3cret-enough", ip="10.0.0.9")
    assert err.value.retry_after > 0


def test_unknown_email_is_the_same_error(db):
    with pytest.raises(NotAuthenticated) as err:
        authenticate(db, "nobody@example.com", "whatever")
    assert err.value.message == "The email or password is not correct."


def test_a_blank_email_or_password_is_named_and_not_counted_as_a_failure(db):
    from hub_app.domain.accounts.models import LoginFailure

    register_client(db, details())
    with pytest.raises(ValidationFailed) as err:
        authenticate(db, "  ", "s3cret-enough", ip="10.0.0.7")
    assert err.value.message == "Enter your email and password."
    assert set(err.value.fields) == {"email"}
    with pytest.raises(ValidationFailed) as err:
        authenticate(db, "eleni@example.com", "", ip="10.0.0.7")
    assert set(err.value.fields) == {"password"}
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 0
    # Blank attempts never throttle the real one.
    for _ in range(6):
        with pytest.raises(ValidationFailed):
            authenticate(db, "eleni@example.com", "", ip="10.0.0.7")
    user, _ = authenticate(db, "eleni@example.com", "s3cret-enough", ip="10.0.0.7")
    assert user.email == "eleni@example.com"


def test_change_password_signs_out_other_sessions(db):
    user = register_client(db, details())
    _, token = authenticate(db, user.email, "s3cret-enough")
    ctx = TenantContext.for_user(user)
    with pytest.raises(ValidationFailed):
        change_password(db, ctx, "wrong-current", "new-password-1")
    change_password(db, ctx, "s3cret-enough", "new-password-1")
    assert user_for_token(db, token) is None
    authenticate(db, user.email, "new-password-1")


def test_profile_update_validates_and_keeps_unique_email(db):
    user = register_client(db, details())
    other = register_client(db, details(email="other@example.com"))
    ctx = TenantContext.for_user(user)
    update_profile(db, ctx, {"first_name": "Lena", "phone": "+1 212 555 0123", "locale": "el"})
    assert (user.first_name, user.phone_number, user.locale) == ("Lena", "+12125550123", "el")
    with pytest.raises(ValidationFailed) as err:
        update_profile(db, ctx, {"email": other.email})
    assert "email" in err.value.fields
    with pytest.raises(ValidationFailed):
        update_profile(db, ctx, {"role": "admin"})
    assert user.role == UserRole.CLIENT


def test_only_admins_create_managers_and_managers_need_a_store(db):
    store, manager = make_store(db)
    admin, _ = ensure_admin(db, "root@example.com", "admin-password")
    with pytest.raises(PermissionDenied):
        create_user(db, TenantContext.for_user(manager), email="m2@example.com", password=PASSWORD,
                    role=UserRole.STORE_MANAGER, store_id=store.id)
    with pytest.raises(ValidationFailed):
        create_user(db, TenantContext.for_user(admin), email="m2@example.com", password=PASSWORD,
                    role=UserRole.STORE_MANAGER)
    created = create_user(db, TenantContext.for_user(admin), email="M2@example.com", password=PASSWORD,
                          role=UserRole.STORE_MANAGER, store_id=store.id)
    assert created.store_id == store.id and created.email == "m2@example.com"


def test_ensure_admin_is_idempotent(db):
    first, created = ensure_admin(db, "root@example.com", "admin-password")
    again, created_again = ensure_admin(db, "ROOT@example.com", "admin-password")
    assert created and not created_again and first.id == again.id
    assert db.scalar(select(AppUser).where(AppUser.email == "root@example.com")).role == UserRole.ADMIN
