"""Sign-in throttling that slows guessing down without locking the account's owner out.

Failed sign-ins (`LoginFailure` rows) are counted per (account, address) pair. After
`LOGIN_MAX_FAILURES` failures within the window each further attempt from that pair must wait
an exponentially growing delay after the previous failure (2, 4, 8 … seconds, at most
`MAX_PAIR_DELAY_SECONDS`); an attempt made sooner is answered "try again in N seconds" without
the password being checked. Nothing is ever refused for longer than that delay, and failures
from one address never slow down the same account from another address.

Failures over all addresses slow down only *unknown* sources, and only up to a minute, so a
guessing botnet cannot hold the account's owner away either. A source is known when:

- the request carries a device token (signed, issued at an earlier successful sign-in of this
  account: a cookie in the admin, localStorage on the pages, `device_token` in the API), or
- the account signed in successfully from this address within `KNOWN_ADDRESS_DAYS` (the
  sessions table records the address of every sign-in).

A correct password from a known source is accepted even while its pair is slowed down (it is
checked; a wrong one is answered like an unchecked one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.lookups import signed_in_from
from hub_app.domain.accounts.models import AppUser, LoginFailure
from hub_app.domain.types import utcnow
from hub_app.settings import get_settings

BACKOFF_BASE_SECONDS = 2
MAX_PAIR_DELAY_SECONDS = 15 * 60
# Failures over all addresses that an unknown source tolerates before waiting, per failure that
# one pair tolerates; their delay stays short: the owner on a new device waits, never for long.
ACCOUNT_FAILURES_FACTOR = 4
MAX_ACCOUNT_DELAY_SECONDS = 60
KNOWN_ADDRESS_DAYS = 90
_DEVICE_SALT = "hub.signin-device"


def backoff_seconds(failures: int, free: int, cap: int) -> int:
    """Delay owed after `failures` failures when `free` of them cost nothing: 0, then 2, 4, 8 … ≤ cap."""
    if failures < free:
        return 0
    exponent = failures - free
    if exponent >= 30:  # 2**30 s is far beyond any cap
        return cap
    return min(cap, BACKOFF_BASE_SECONDS * 2 ** exponent)


@dataclass(frozen=True)
class FailureCounts:
    pair: int
    pair_last: datetime | None
    account: int
    account_last: datetime | None


def failure_counts(db: Session, email: str, ip: str | None, since: datetime) -> FailureCounts:
    """Recent failures of this account from this address and from everywhere (one statement)."""
    same_address = LoginFailure.ip_address.is_(None) if ip is None else LoginFailure.ip_address == ip
    row = db.execute(
        select(func.count(),
               func.max(LoginFailure.at),
               func.coalesce(func.sum(case((same_address, 1), else_=0)), 0),
               func.max(case((same_address, LoginFailure.at), else_=None)))
        .where(LoginFailure.email == email, LoginFailure.at >= since)
    ).one()
    return FailureCounts(pair=int(row[2]), pair_last=row[3], account=int(row[0]), account_last=row[1])


def _left(last: datetime | None, delay: int, now: datetime) -> int:
    if not delay or last is None:
        return 0
    return max(0, math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))


def wait_before_attempt(db: Session, email: str, ip: str | None, *, known: bool) -> int:
    """Seconds this (account, address) must still wait before its password is checked (0: now)."""
    settings = get_settings()
    now = utcnow()
    counts = failure_counts(db, email, ip, now - timedelta(minutes=settings.login_failure_window_minutes))
    free = settings.login_max_failures
    wait = _left(counts.pair_last, backoff_seconds(counts.pair, free, MAX_PAIR_DELAY_SECONDS), now)
    if not known:
        account_delay = backoff_seconds(counts.account, free * ACCOUNT_FAILURES_FACTOR, MAX_ACCOUNT_DELAY_SECONDS)
        wait = max(wait, _left(counts.account_last, account_delay, now))
    return wait


def record_failure(db: Session, email: str, ip: str | None) -> None:
    db.add(LoginFailure(email=email[:254], ip_address=ip))
    db.flush()


# --- known sources ---------------------------------------------------------------------------


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().hub_secret_key, salt=_DEVICE_SALT)


def make_device_token(user: AppUser) -> str:
    """A signed token naming this account: kept by the browser or app that just signed in."""
    return _devices().dumps({"uid": user.id})


def device_known(user: AppUser, token: str | None) -> bool:
    if not token or len(token) > 512:
        return False
    try:
        data = _devices().loads(token)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("uid") == user.id


def address_known(db: Session, user_id: int, ip: str | None) -> bool:
    """Whether this account signed in successfully from `ip` within KNOWN_ADDRESS_DAYS."""
    if not ip:
        return False
    return signed_in_from(db, user_id, ip[:64], utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS))


def source_known(db: Session, user: AppUser | None, ip: str | None, device_token: str | None) -> bool:
    if user is None:
        return False
    return device_known(user, device_token) or address_known(db, user.id, ip)
