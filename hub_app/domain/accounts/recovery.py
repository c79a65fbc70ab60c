"""Forgotten passwords: a reset link by email, and choosing a password with a signed link.

`request_password_reset` answers the same way whether or not an account exists for the email
(the page says "if an account exists, we sent a link"), so it cannot be used to find out who has
an account. Asking is throttled per email and per client address (`RateLimited`), for known and
unknown emails alike. The link is the signed, expiring, single-use token of
hub_app.domain.accounts.password_setup (purpose "reset", valid for two hours), and the email goes
out through the notifications outbox as an ACCOUNT message of the account's store.

Notifications belong to a store: a manager's is their store, a client's the store they booked
with last. An admin (no store) gets no email; admins reset with `python -m hub_app create-admin`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import AppUser, LoginFailure, UserRole
from hub_app.domain.accounts.service import find_user_by_email
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import PermissionDenied, RateLimited, ValidationFailed
from hub_app.domain.notifications import outbox
from hub_app.domain.notifications.models import Channel, Notification, NotificationKind, NotificationStatus
from hub_app.domain.accounts.password_setup import (
    RESET, RESET_TOKEN_MAX_AGE, make_password_setup_link, read_setup_token, set_password_with_token,
)
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.domain.validation import normalize_email
from hub_app.i18n import t

logger = logging.getLogger(__name__)

# Requests (answered or not) per email and per client address within the window.
REQUESTS_PER_EMAIL = 3
REQUESTS_PER_ADDRESS = 10
REQUEST_WINDOW_SECONDS = 15 * 60
# Emails actually queued per account per hour, counted in the database: holds across processes
# and restarts, where the request throttle (in memory) does not.
EMAILS_PER_ACCOUNT_PER_HOUR = 3
_DEDUPE_PREFIX = "password-reset"


class RequestThrottle:
    """Fixed-window counters in this process's memory (thread-safe).

    Keys are hashes, so no email address is kept. Each app process counts on its own; the
    database cap (EMAILS_PER_ACCOUNT_PER_HOUR) bounds what several processes can send together.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: int) -> int:
        """Count one request; returns 0 when allowed, else the seconds until the window ends."""
        now = self._clock()
        window = int(now // window_seconds)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < window]:
                del self._counts[stale]
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        if count <= limit:
            return 0
        return max(1, math.ceil((window + 1) * window_seconds - now))

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


request_throttle = RequestThrottle()


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _throttle(throttle: RequestThrottle, email: str, ip: str | None, locale: str) -> None:
    waits = [throttle.hit("email:" + _digest(email), REQUESTS_PER_EMAIL, REQUEST_WINDOW_SECONDS)]
    if ip:
        waits.append(throttle.hit("ip:" + _digest(ip), REQUESTS_PER_ADDRESS, REQUEST_WINDOW_SECONDS))
    wait = max(waits)
    if wait:
        raise RateLimited(t("auth.reset_too_many", locale, minutes=max(1, math.ceil(wait / 60))), retry_after=wait)


def home_store_id(db: Session, user: AppUser) -> int | None:
    """The store whose outbox sends this person's account emails (see module docstring)."""
    if user.role == UserRole.STORE_MANAGER:
        return user.store_id
    if user.role == UserRole.CLIENT:
        return db.scalar(select(Booking.store_id).where(Booking.client_user_id == user.id)
                         .order_by(Booking.created_at.desc(), Booking.id.desc()).limit(1))
    return None


def _recent_reset_emails(db: Session, user_id: int) -> int:
    return db.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_user_id == user_id, Notification.kind == NotificationKind.ACCOUNT,
        Notification.dedupe_key.like(f"{_DEDUPE_PREFIX}:{user_id}:%"),
        Notification.created_at >= utcnow() - timedelta(hours=1),
    )) or 0


def request_password_reset(db: Session, ctx: TenantContext, email: str, *, ip: str | None = None,
                           throttle: RequestThrottle | None = None) -> Notification | None:
    """Queue a reset email if an active account with a store exists for `email`.

    Returns the queued row or None; the adapter must answer the same in both cases. Runs as
    system work (`ctx` = TenantContext.system() with the reader's locale): the request is
    anonymous and a client's store is found across stores. Raises ValidationFailed for text
    that is not an email address and RateLimited when asked too often.
    """
    if not ctx.bypass:
        raise PermissionDenied(t("auth.forbidden", ctx.locale))
    address = normalize_email(email, locale=ctx.locale)
    _throttle(throttle or request_throttle, address, ip, ctx.locale)
    user = find_user_by_email(db, address)
    if user is None or not user.is_active:
        return None
    store_id = home_store_id(db, user)
    store = db.get(Store, store_id) if store_id is not None else None
    if store is None:
        logger.info("Password reset asked for user %s, who has no store to send from", user.id)
        return None
    if _recent_reset_emails(db, user.id) >= EMAILS_PER_ACCOUNT_PER_HOUR:
        logger.info("Password reset for user %s not sent: %s emails in the last hour", user.id,
                    EMAILS_PER_ACCOUNT_PER_HOUR)
        return None
    link = make_password_setup_link(user, RESET)
    locale = outbox.message_locale(user, store)
    notification = Notification(
        store_id=store.id, recipient_user_id=user.id, type=Channel.EMAIL, kind=NotificationKind.ACCOUNT,
        subject=t("auth.reset_email.subject", locale),
        body=t("auth.reset_email.body", locale, name=user.first_name or user.email, link=link,
               hours=RESET_TOKEN_MAX_AGE // 3600),
        to_address=user.email, status=NotificationStatus.PENDING,
        dedupe_key=f"{_DEDUPE_PREFIX}:{user.id}:{_digest(link)[:16]}", next_attempt_at=utcnow(),
    )
    # The outbox hands the row to the sender once this transaction commits.
    with outbox.acting_for_store(db, store.id):
        return outbox.add_once(db, notification)


@dataclass(frozen=True)
class LinkView:
    """What the set-password page shows before the form: whose account, and why the link exists."""

    email: str
    purpose: str  # "setup" (a new account) or "reset"


def check_password_link(db: Session, ctx: TenantContext, token: str) -> LinkView:
    """Read a link without using it; ValidationFailed (reason expired, used, invalid) otherwise."""
    user, purpose = read_setup_token(db, token, ctx.locale)
    return LinkView(email=user.email, purpose=purpose)


def choose_password(db: Session, ctx: TenantContext, token: str, password: str, confirmation: str) -> AppUser:
    """Set the password a link was sent for (the link then stops working) and sign out old sessions.

    The account's failed sign-ins are forgotten: whoever was locked out by guessing their old
    password can sign in with the new one at once (failures counted per address still apply).
    """
    if (password or "") != (confirmation or ""):
        message = t("auth.passwords_differ", ctx.locale)
        raise ValidationFailed(message, fields={"confirm_password": message})
    user = set_password_with_token(db, token, password or "", ctx.locale)
    db.execute(delete(LoginFailure).where(LoginFailure.email == user.email))
    return user
