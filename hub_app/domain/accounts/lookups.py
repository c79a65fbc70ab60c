"""The reads that sign someone in, before any tenant is known: a user by email, a session by token.

On PostgreSQL a store's staff rows (app_user) and every session (auth_session) are behind
row-level security, which cannot let a transaction see them before it knows who is asking. These
reads go through SECURITY DEFINER functions (migration 0010) that return exactly the row asked
for by its email or its token hash, and nothing else; the objects come back as ordinary ORM rows.
SQLite has no row-level security: the same reads are plain selects.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session, aliased

from hub_app.domain.accounts.models import AppUser, AuthSession
from hub_app.domain.stores.models import Store


def _rows_of(model: type, function, param: str):
    """`model` rows as returned by the set-returning `function(:param)`."""
    columns = [sa.column(c.name, c.type) for c in model.__table__.columns]
    rows = function(bindparam(param)).table_valued(*columns).render_derived()
    return aliased(model, rows, adapt_on_names=True)


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
def _session_and_user(postgres: bool):
    # Built once: every signed-in request runs it.
    if not postgres:
        return (select(AuthSession, AppUser).join(AppUser, AppUser.id == AuthSession.user_id)
                .where(AuthSession.token_hash == bindparam("token_hash")))
    session = _rows_of(AuthSession, func.hub_session_by_token, "token_hash")
    user = _rows_of(AppUser, func.hub_user_by_session, "token_hash")
    return select(session, user).join(user, user.id == session.user_id)


def session_and_user(db: Session, token_hash: str) -> tuple[AuthSession, AppUser] | None:
    row = db.execute(_session_and_user(_postgres(db)), {"token_hash": token_hash}).first()
    return (row[0], row[1]) if row is not None else None


@lru_cache(maxsize=None)
def _session_by_token(postgres: bool):
    if not postgres:
        return select(AuthSession).where(AuthSession.token_hash == bindparam("token_hash"))
    return select(_rows_of(AuthSession, func.hub_session_by_token, "token_hash"))


def session_by_token(db: Session, token_hash: str) -> AuthSession | None:
    return db.scalar(_session_by_token(_postgres(db)), {"token_hash": token_hash})


@lru_cache(maxsize=None)
def _store_and_session(postgres: bool):
    # Built once: every signed-in request to a store's routes asks for both.
    if not postgres:
        session, user = AuthSession, AppUser
        return (select(Store, session.revoked_at, session.expires_at, user)
                .select_from(Store)
                .outerjoin(session, session.token_hash == bindparam("token_hash"))
                .outerjoin(user, user.id == session.user_id)
                .where(Store.slug == bindparam("slug")))
    session = _rows_of(AuthSession, func.hub_session_by_token, "token_hash")
    user = _rows_of(AppUser, func.hub_user_by_session, "token_hash")
    return (select(Store, session.revoked_at, session.expires_at, user)
            .select_from(Store)
            .outerjoin(session, true())
            .outerjoin(user, user.id == session.user_id)
            .where(Store.slug == bindparam("slug")))


def store_and_session(db: Session, slug: str, token_hash: str):
    """(store, session revoked_at, session expires_at, user) for a current slug, or None."""
    return db.execute(_store_and_session(_postgres(db)), {"slug": slug, "token_hash": token_hash}).first()
