"""Who is calling and in which store: bearer tokens and slugs turned into a TenantContext.

The context comes from the domain's own constructors (`TenantContext.for_user(...).in_store(...)`),
so a store manager addressing another store's slug is refused by the tenancy layer itself
(TenantViolation, 403) rather than by a role check here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import user_for_token
from hub_app.domain.api_keys.service import ApiKeyIdentity, authenticate, looks_like_api_key
from hub_app.domain.errors import NotAuthenticated, NotFound, PermissionDenied, RateLimited
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import get_store_by_slug, store_and_signed_in_user
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import normalize_locale, t

bearer_scheme = HTTPBearer(
    auto_error=False,
    description=(
        "Either a person's session token from `POST /auth/token`, or a store's API key "
        "(`ahk_live_…`, made by the store's manager in the dashboard or with "
        "`POST /stores/{slug}/api-keys`): `Authorization: Bearer <token or key>`. An API key acts as "
        "the staff of its own store only (another store answers 403); a `read` key may only use "
        "GET (anything else answers 403 `forbidden`); a revoked key answers 401 at once. Requests "
        "with a key are limited per key (429 with Retry-After)."
    ),
)

# Anything else cannot be a slug (current or old), so it is an unknown store without a query.
_SLUG_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,80}$")


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    """The signed-in user (None when anonymous), the raw token, and the request's locale.

    With a store's API key, `user` is None and `api_key` says which store and scope."""

    user: AppUser | None
    token: str | None
    locale: str
    ip: str | None
    api_key: ApiKeyIdentity | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None or self.api_key is not None

    def context(self, store_id: int | None = None) -> TenantContext:
        """The caller acting inside `store_id` (or across their own data when None)."""
        if self.api_key is not None:
            ctx = self.api_key.context(self.locale)
            return ctx.in_store(store_id) if store_id is not None else ctx
        if self.user is None:
            return TenantContext.anonymous(store_id, locale=self.locale)
        ctx = TenantContext.for_user(self.user)
        return ctx.in_store(store_id) if store_id is not None else ctx


@dataclass(frozen=True)
class StoreScope:
    store: Store
    caller: Caller
    ctx: TenantContext


def request_locale(request: Request) -> str:
    return normalize_locale(request.headers.get("accept-language", "").split(",")[0].strip())


def _token_accepted(user: AppUser | None, locale: str) -> AppUser:
    if user is None:
        # A token that was sent but is wrong is an error even on public routes: the client
        # should learn that its session ended rather than silently act anonymously.
        raise NotAuthenticated(t("api.token_invalid", locale))
    return user


def _user(db: Session, credentials: HTTPAuthorizationCredentials | None, locale: str) -> AppUser | None:
    if credentials is None:
        return None
    return _token_accepted(user_for_token(db, credentials.credentials), locale)


def is_slug_shaped(slug: str) -> bool:
    return bool(_SLUG_SHAPE.match(slug))


def _check_slug_shape(slug: str, locale: str) -> None:
    if not is_slug_shaped(slug):
        raise NotFound(t("store.not_found", locale))


def _store(db: Session, slug: str, locale: str) -> Store:
    _check_slug_shape(slug, locale)
    return get_store_by_slug(db, slug, locale)


def _caller(request: Request, user: AppUser | None, credentials) -> Caller:
    return Caller(
        user=user,
        token=credentials.credentials if credentials is not None and user is not None else None,
        locale=(user.locale if user is not None else None) or request_locale(request),
        ip=request.client.host if request.client else None,
    )


def _api_key_caller(db: Session, request: Request, key: str) -> Caller:
    """The caller of a request made with a store's API key: checked, scoped and counted.

    `db` is moved to a cross-store context for the lookup (the store is not known yet)."""
    locale = request_locale(request)
    hub_db.rescope(db, TenantContext.system())
    identity = authenticate(db, key)
    if identity is None:
        raise NotAuthenticated(t("api.key_invalid", locale))
    if request.method.upper() not in READ_METHODS and not identity.can_write:
        raise PermissionDenied(t("api.key_read_only", locale))
    _count_key_request(identity, locale)
    return Caller(user=None, token=None, locale=locale, ip=request.client.host if request.client else None,
                  api_key=identity)


def _count_key_request(identity: ApiKeyIdentity, locale: str) -> None:
    from hub_app.security.config import get_security_settings

    settings = get_security_settings()
    if not settings.rate_limit_enabled:
        return
    decision = _key_limiter().hit_now(f"api_key:{identity.key_id}", settings.rate_limit_api_key_per_minute, 60)
    if not decision.allowed:
        raise RateLimited(t("api.key_rate_limited", locale), retry_after=decision.retry_after)


_limiter = None


def _key_limiter():
    global _limiter
    if _limiter is None:
        from hub_app.security.install import shared_limiter

        _limiter = shared_limiter()
    return _limiter


def optional_caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Caller:
    locale = request_locale(request)
    if credentials is None:
        return _caller(request, None, None)
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        if looks_like_api_key(credentials.credentials):
            return _api_key_caller(db, request, credentials.credentials)
        user = _user(db, credentials, locale)
    return _caller(request, user, credentials)


def signed_in(caller: Caller = Depends(optional_caller)) -> Caller:
    if not caller.signed_in:
        raise NotAuthenticated(t("auth.not_signed_in", caller.locale))
    return caller


def signed_in_person(caller: Caller = Depends(signed_in)) -> Caller:
    """Routes about a person's own account (profile, password, sessions): no API key."""
    if caller.user is None:
        raise PermissionDenied(t("api.key_person_only", caller.locale))
    return caller


@dataclass(frozen=True)
class StoreAddress:
    """A store route's slug and credentials, for a route that resolves them in its own unit of work."""

    slug: str
    request: Request
    credentials: HTTPAuthorizationCredentials | None

    @property
    def locale(self) -> str:
        return request_locale(self.request)

    def anonymous(self) -> TenantContext:
        """The context to open the unit of work with: nobody is known before the token is read."""
        return TenantContext.anonymous(locale=self.locale)


async def store_address(
    slug: str, request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> StoreAddress:
    # async: it only wraps what the request holds, so it needs no trip through the thread pool.
    return StoreAddress(slug=slug, request=request, credentials=credentials)


def _resolve(db: Session, address: StoreAddress) -> StoreScope:
    locale = address.locale
    if address.credentials is not None and looks_like_api_key(address.credentials.credentials):
        caller = _api_key_caller(db, address.request, address.credentials.credentials)
        store = _store(db, address.slug, locale)
        return StoreScope(store=store, caller=caller, ctx=caller.context(store.id))
    if address.credentials is None:
        store, user = _store(db, address.slug, locale), None
    else:  # the store and the session in one round trip; an unknown store still answers first
        _check_slug_shape(address.slug, locale)
        store, user = store_and_signed_in_user(db, address.slug, address.credentials.credentials, locale)
        user = _token_accepted(user, locale)
    caller = _caller(address.request, user, address.credentials)
    return StoreScope(store=store, caller=caller, ctx=caller.context(store.id))


def store_scope_in(db: Session, address: StoreAddress) -> StoreScope:
    """`store_scope` inside the route's own unit of work, which then continues in the caller's
    context (see `hub_db.rescope`): the booking route saves a transaction this way, and the
    store and user it reads stay in the session for the work that follows."""
    scope = _resolve(db, address)
    hub_db.rescope(db, scope.ctx)
    return scope


def store_scope(
    slug: str, request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> StoreScope:
    """The store at `slug` (old slugs included) and the caller's context inside it."""
    address = StoreAddress(slug=slug, request=request, credentials=credentials)
    with hub_db.unit_of_work(address.anonymous()) as db:
        return _resolve(db, address)


def signed_in_store_scope(scope: StoreScope = Depends(store_scope)) -> StoreScope:
    if not scope.caller.signed_in:
        raise NotAuthenticated(t("auth.not_signed_in", scope.caller.locale))
    return scope


def public_store(slug: str, request: Request) -> Store:
    """The store at `slug` for routes that need no caller at all."""
    locale = request_locale(request)
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        return _store(db, slug, locale)


def operation_id(route) -> str:
    """OpenAPI operationIds are the handler names (unique across the v1 routers)."""
    return route.name
