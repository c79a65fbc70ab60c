"""Making, listing, revoking and checking a store's API keys.

A key reads `ahk_live_<lookup>_<secret>`: `lookup` (12 hex characters) finds the row, `secret`
(43 URL-safe characters, 256 random bits) is compared by its SHA-256 in constant time. The key
acts as the store's staff in that store only: a READ key may only read (GET), a READ_WRITE key
may do what a manager may do through the API. Revoking works at once: the next request with
the key answers 401.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.api_keys.models import ApiKey, ApiKeyScope
from hub_app.domain.audit.service import record as audit
from hub_app.domain.base import new_row
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

PREFIX = "ahk_live_"
_SHAPE = re.compile(r"^ahk_live_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_KEYS_PER_STORE = 25
# `last_used_at` is written at most this often per key: a busy integration must not turn every
# read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: `key` is shown once and never again."""

    id: int
    name: str
    scope: ApiKeyScope
    key: str


@dataclass(frozen=True)
class ApiKeyIdentity:
    """Who a request with a valid key is: a store's staff, with the key's scope."""

    key_id: int
    store_id: int
    scope: ApiKeyScope
    # The account the key's work is recorded under (audit, "cancelled by"): whoever made the key,
    # or the store's manager when that account is gone.
    acting_user_id: int

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.READ_WRITE

    def context(self, locale: str = "en") -> TenantContext:
        """Staff of the key's store and of no other, whatever role its maker has elsewhere."""
        return TenantContext(store_id=self.store_id, user_id=self.acting_user_id, role=UserRole.STORE_MANAGER,
                             home_store_id=self.store_id, locale=locale)


def looks_like_api_key(token: str | None) -> bool:
    return bool(token) and token.startswith(PREFIX)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(db: Session, ctx: TenantContext, name: str, scope: str) -> NewApiKey:
    require(ctx, Feature.MANAGE_STORE_INFO)
    clean = (name or "").strip()
    errors: dict[str, str] = {}
    if not clean or len(clean) > 100:
        errors["name"] = t("api_keys.name_required", ctx.locale)
    try:
        chosen = ApiKeyScope(scope)
    except ValueError:
        chosen = None
        errors["scope"] = t("api_keys.scope_invalid", ctx.locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    live = db.scalars(select(ApiKey.id).where(ApiKey.revoked_at.is_(None))).all()
    if len(live) >= MAX_KEYS_PER_STORE:
        message = t("api_keys.too_many", ctx.locale, limit=MAX_KEYS_PER_STORE)
        raise ValidationFailed(message, fields={"name": message})
    lookup, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row = new_row(ApiKey, store_id=ctx.store_id, name=clean, scope=chosen, lookup=lookup, secret_hash=_hash(secret),
                  created_by_user_id=ctx.user_id)
    db.add(row)
    db.flush()
    audit(db, ctx, entity=row, action="api_key_created", after={"name": clean, "scope": chosen.value,
                                                                  "lookup": lookup})
    return NewApiKey(id=row.id, name=clean, scope=chosen, key=f"{PREFIX}{lookup}_{secret}")


def list_api_keys(db: Session, ctx: TenantContext, *, include_revoked: bool = False) -> list[ApiKey]:
    require(ctx, Feature.MANAGE_STORE_INFO)
    query = select(ApiKey).order_by(ApiKey.id.desc())
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(db.scalars(query))


def revoke_api_key(db: Session, ctx: TenantContext, key_id: int) -> ApiKey:
    require(ctx, Feature.MANAGE_STORE_INFO)
    row = db.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        raise NotFound(t("api_keys.not_found", ctx.locale))
    row.revoked_at = utcnow()
    db.flush()
    audit(db, ctx, entity=row, action="api_key_revoked", after={"name": row.name, "lookup": row.lookup})
    return row


def authenticate(db: Session, token: str) -> ApiKeyIdentity | None:
    """The identity of a live key, or None (unknown, malformed, wrong secret or revoked).

    Runs in a session that may read every store's keys: the store is not known before this.
    """
    match = _SHAPE.match(token or "")
    if match is None:
        return None
    lookup, secret = match.groups()
    row = db.scalar(select(ApiKey).where(ApiKey.lookup == lookup))
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)) or row.revoked_at is not None:
        return None
    acting = row.created_by_user_id or db.scalar(select(Store.manager_user_id).where(Store.id == row.store_id))
    if acting is None:
        return None  # nobody left to act for: the store has no manager and the maker is gone
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        db.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now)
                   .execution_options(synchronize_session=False))
    return ApiKeyIdentity(key_id=row.id, store_id=row.store_id, scope=ApiKeyScope(row.scope), acting_user_id=acting)
