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
from hub_app.domain.errors import NotAuthenticated, NotFound
from hub_app.domain.stores.models import Store
from hub_app.domain.stores.service import get_store_by_slug, store_and_signed_in_user
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import normalize_locale, t

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A session token from `POST /auth/token`: `Authorization: Bearer <access_token>`.",
)

# Anything else cannot be a slug (current or old), so it is an unknown store without a query.
_SLUG_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,80}$")


@dataclass(frozen=True)
class Caller:
    """The signed-in user (None when anonymous), the raw token, and the request's locale."""

    user: AppUser | None
    token: str | None
    locale: str
    ip: str | None

    def context(self, store_id: int | None = None) -> TenantContext:
        """The caller acting inside `store_id` (or across their own data when None)."""
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


def optional_caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme)
) -> Caller:
    locale = request_locale(request)
    if credentials is None:
        return _caller(request, None, None)
    with hub_db.unit_of_work(TenantContext.anonymous(locale=locale)) as db:
        user = _user(db, credentials, locale)
    return _caller(request, user, credentials)


def signed_in(caller: Caller = Depends(optional_caller)) -> Caller:
    if caller.user is None:
        raise NotAuthenticated(t("auth.not_signed_in", caller.locale))
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
    if scope.caller.user is None:
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
