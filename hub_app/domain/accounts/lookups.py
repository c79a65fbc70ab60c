"""The reads that sign someone in, before any tenant is known: a user by email, a session by token.

On PostgreSQL a store's staff rows (app_user) and every session (auth_session) are behind
row-level security, which cannot let a transaction see them before it knows who is asking. These
reads go through SECURITY DEFINER functions (migration 0010) that return exactly the row asked
for by its email or its token hash, and nothing else; the objects come back as ordinary ORM rows.
SQLite has no row-level security: the same reads are plain selects. A session's user is returned
only while the session is neither revoked nor expired and the user active, and finding it renews
the session (sliding expiry, see session_life): on PostgreSQL inside the same function call.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session, aliased

from hub_app.domain.accounts.models import AppUser, AuthSession
from hub_app.domain.accounts.session_life import keep_alive, lifetime_seconds
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow


def _rows_of(model: type, function, *params: str):
    """`model` rows as returned by the set-returning `function(:param, …)`."""
    columns = [sa.column(c.name, c.type) for c in model.__table__.columns]
    rows = function(*(bindparam(p) for p in params)).table_valued(*columns).render_derived()
    return aliased(model, rows, adapt_on_names=True)


# The live session's user, its expiry renewed when due (migration 0010).
_SIGNED_IN_PARAMS = ("token_hash", "idle_s", "max_s", "renew_s")


def _postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


@lru_cache(maxsize=None)
def _user_by_email(postgres: bool):
    if not postgres:
        return select(AppUser).where(AppUser.email == bindparam("email"))
    return select(_rows_of(AppUser, func.hub_user_by_email, "email"))


def user_by_email(db: Session, email: str) -> AppUser | None:
    return db.scalar(_user_by_email(_postgres(db)), {"email": email})


@lru_cache(maxsize=None)
def _signed_in(postgres: bool):
    # Built once: every signed-in request runs it.
    if not postgres:
        return (select(AuthSession.revoked_at, AuthSession.expires_at, AppUser, AuthSession.id,
                       AuthSession.created_at)
                .join(AppUser, AppUser.id == AuthSession.user_id)
                .where(AuthSession.token_hash == bindparam("token_hash")))
    return select(_rows_of(AppUser, func.hub_signed_in_user, *_SIGNED_IN_PARAMS))


def signed_in_user_for(db: Session, token_hash: str) -> AppUser | None:
    """The active user of a session that is neither revoked nor expired, or None (renews it)."""
    if not _postgres(db):
        row = db.execute(_signed_in(False), {"token_hash": token_hash}).first()
        return _live_and_renewed(db, *row) if row is not None else None
    user = db.scalar(_signed_in(True), {"token_hash": token_hash, **lifetime_seconds()})
    return user if user is not None and user.is_active else None


def live_user(revoked_at: datetime | None, expires_at: datetime | None, user: AppUser | None) -> AppUser | None:
    """The session's user while the session is neither revoked nor expired and the user active."""
    if user is None or expires_at is None or revoked_at is not None or expires_at <= utcnow() or not user.is_active:
        return None
    return user


def _live_and_renewed(db: Session, revoked_at: datetime | None, expires_at: datetime | None,
                      user: AppUser | None, session_id: int | None, created_at: datetime | None) -> AppUser | None:
    live = live_user(revoked_at, expires_at, user)
    if live is not None:
        keep_alive(db, session_id, created_at, expires_at)  # type: ignore[arg-type]
    return live


@lru_cache(maxsize=None)
def _session_by_token(postgres: bool):
    if not postgres:
        return select(AuthSession).where(AuthSession.token_hash == bindparam("token_hash"))
    return select(_rows_of(AuthSession, func.hub_session_by_token, "token_hash"))


def session_by_token(db: Session, token_hash: str) -> AuthSession | None:
    return db.scalar(_session_by_token(_postgres(db)), {"token_hash": token_hash})


@lru_cache(maxsize=None)
def _store_and_user(postgres: bool):
    # Built once: every signed-in request to a store's routes asks for both.
    if not postgres:
        return (select(Store, AuthSession.revoked_at, AuthSession.expires_at, AppUser, AuthSession.id,
                       AuthSession.created_at)
                .select_from(Store)
                .outerjoin(AuthSession, AuthSession.token_hash == bindparam("token_hash"))
                .outerjoin(AppUser, AppUser.id == AuthSession.user_id)
                .where(Store.slug == bindparam("slug")))
    # One SECURITY DEFINER call: the user of the live session (the function checks revoked and
    # expired), joined to the store row in the same statement.
    user = _rows_of(AppUser, func.hub_signed_in_user, *_SIGNED_IN_PARAMS)
    return select(Store, user).select_from(Store).outerjoin(user, true()).where(Store.slug == bindparam("slug"))


def store_and_user(db: Session, slug: str, token_hash: str) -> tuple[Store, AppUser | None] | None:
    """The store at a current slug and the active user of a live session, in one round trip;
    None when no store has that slug now."""
    if not _postgres(db):
        row = db.execute(_store_and_user(False), {"slug": slug, "token_hash": token_hash}).first()
        return (row[0], _live_and_renewed(db, *row[1:])) if row is not None else None
    row = db.execute(_store_and_user(True), {"slug": slug, "token_hash": token_hash, **lifetime_seconds()}).first()
    if row is None:
        return None
    store, user = row
    return store, user if user is not None and user.is_active else None


def signed_in_from(db: Session, user_id: int, ip: str, since: datetime) -> bool:
    """Whether `user_id` opened a session from `ip` since `since` (asked before any tenant is known)."""
    if _postgres(db):
        return bool(db.scalar(select(func.hub_signed_in_from(user_id, ip, since))))
    return db.scalar(select(AuthSession.id).where(
        AuthSession.user_id == user_id, AuthSession.ip_address == ip, AuthSession.created_at >= since,
    ).limit(1)) is not None
