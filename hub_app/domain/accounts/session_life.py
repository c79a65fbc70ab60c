"""How long a session lives: idle expiry, renewed by use (sliding), within an absolute maximum.

A used session is extended at most every RENEW_EVERY, so a busy client costs one UPDATE per few
minutes rather than one per request. On PostgreSQL the renewal happens inside the
SECURITY DEFINER lookup that finds the session's user (migration 0010, `hub_signed_in_user`), in
the same round trip; SQLite runs `keep_alive` below after its plain read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AuthSession
from hub_app.domain.types import utcnow
from hub_app.settings import get_settings

RENEW_EVERY = timedelta(minutes=5)


def session_lifetimes() -> tuple[timedelta, timedelta]:
    """(idle lifetime, absolute lifetime) of a session."""
    settings = get_settings()
    return timedelta(hours=settings.session_idle_hours), timedelta(days=settings.session_max_days)


def lifetime_seconds() -> dict[str, int]:
    """The lifetimes as the bound parameters of the PostgreSQL lookup."""
    idle, absolute = session_lifetimes()
    return {"idle_s": int(idle.total_seconds()), "max_s": int(absolute.total_seconds()),
            "renew_s": int(RENEW_EVERY.total_seconds())}


def keep_alive(db: Session, session_id: int, created_at: datetime, expires_at: datetime) -> datetime:
    """Extend a live session that was just used (sliding expiry, bounded by the absolute maximum)."""
    now = utcnow()
    idle, absolute = session_lifetimes()
    renewed = min(now + idle, created_at + absolute)
    if renewed - expires_at < RENEW_EVERY:
        return expires_at
    db.execute(update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
               .values(expires_at=renewed))
    return renewed
