"""Stores: onboarding (store + manager in one step), details, policy, slug changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hub_app.domain.accounts.lookups import store_and_user
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import (
    create_user, session_token_hash, user_for_token,
)
from hub_app.domain.audit.service import record_change, snapshot
from hub_app.domain.embedding.policy import policy_changed
from hub_app.domain.embedding.rules import check_accent_color, check_embed_domains
from hub_app.domain.errors import NotFound, ValidationFailed, unknown_fields
from hub_app.domain.permissions import Feature, require
from hub_app.domain.bookings.assignment import RULES as ANYONE_RULES
from hub_app.domain.stores.models import Store, StoreSlugRedirect
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.validation import (
    check_currency, check_locale, check_slug, check_timezone, normalize_email, normalize_phone,
)
from hub_app.i18n import t


@dataclass
class ManagerInput:
    email: str
    password: str
    first_name: str = ""
    last_name: str = ""


@dataclass
class StoreInput:
    name: str
    slug: str
    timezone: str = "Europe/Athens"
    currency: str = "EUR"
    locale: str = "en"
    address: str | None = None
    city: str | None = None
    country: str | None = None
    phone_number: str | None = None
    email: str | None = None
    description: str | None = None
    extra: dict = field(default_factory=dict)


EDITABLE_FIELDS = {
    "name", "slug", "address", "city", "country", "phone_number", "email", "description",
    "timezone", "locale", "currency", "cancellation_cutoff_hours", "min_notice_minutes",
    "booking_horizon_days", "payment_hold_minutes", "reminder_hours_before",
    "embed_domains", "embed_accent_color", "anyone_rule",
}
EMBED_FIELDS = {"slug", "is_active", "embed_domains", "embed_accent_color"}  # what embedding reads
ADMIN_ONLY_FIELDS = {"stripe_enabled", "is_active", "current_subscription_plan_id"}
_NON_NEGATIVE = ("cancellation_cutoff_hours", "min_notice_minutes", "reminder_hours_before")
_POSITIVE = ("booking_horizon_days", "payment_hold_minutes")


@lru_cache(maxsize=None)
def _store_at_slug():
    return select(Store).where(Store.slug == bindparam("slug"))  # built once: every store page and booking asks


def _clean_slug(slug: str | None) -> str:
    return (slug or "").strip().lower()


def get_store_by_slug(db: Session, slug: str, locale: str | None = None) -> Store:
    """The active store at /<slug>, following an old slug to the store's current one."""
    slug = _clean_slug(slug)
    store = db.scalar(_store_at_slug(), {"slug": slug})
    if store is None:
        redirect = db.scalar(select(StoreSlugRedirect).where(StoreSlugRedirect.old_slug == slug))
        store = db.get(Store, redirect.store_id) if redirect else None
    if store is None or not store.is_active:
        raise NotFound(t("store.not_found", locale))
    return store


def store_and_signed_in_user(db: Session, slug: str, token: str,
                             locale: str | None = None) -> tuple[Store, AppUser | None]:
    """`get_store_by_slug` and `user_for_token` in one round trip (both when the slug is the
    store's current one; an old slug takes the two reads)."""
    found = store_and_user(db, _clean_slug(slug), session_token_hash(token))
    if found is None:
        return get_store_by_slug(db, slug, locale), user_for_token(db, token)
    store, user = found
    if not store.is_active:
        raise NotFound(t("store.not_found", locale))
    return store, user


def get_store(db: Session, store_id: int, locale: str | None = None) -> Store:
    store = db.get(Store, store_id)
    if store is None:
        raise NotFound(t("store.not_found", locale))
    return store


def _clean(values: dict, locale: str | None) -> dict:
    out = dict(values)
    errors: dict[str, str] = {}
    checks = {
        "slug": check_slug, "timezone": check_timezone, "currency": check_currency, "locale": check_locale,
        "embed_domains": check_embed_domains, "embed_accent_color": check_accent_color,
    }
    for name, check in checks.items():
        if name in out:
            try:
                out[name] = check(out[name], locale)
            except ValidationFailed as exc:
                errors.update(exc.fields)
    if out.get("email"):
        try:
            out["email"] = normalize_email(out["email"], locale=locale)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if out.get("phone_number"):
        try:
            out["phone_number"] = normalize_phone(out["phone_number"], out.get("country") or "GR", "phone_number", locale)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if "name" in out and not str(out["name"] or "").strip():
        errors["name"] = t("validation.required", locale)
    if "anyone_rule" in out:
        out["anyone_rule"] = str(getattr(out["anyone_rule"], "value", out["anyone_rule"]) or "")
        if out["anyone_rule"] not in ANYONE_RULES:
            errors["anyone_rule"] = t("staff.rule_invalid", locale)
    if out.get("country"):
        out["country"] = str(out["country"]).strip().upper()[:2]
    for name in _NON_NEGATIVE + _POSITIVE:
        if name in out:
            try:
                out[name] = int(out[name])
                bad = out[name] < 0 if name in _NON_NEGATIVE else out[name] <= 0
            except (TypeError, ValueError):
                bad = True
            if bad:
                errors[name] = t("validation.not_negative" if name in _NON_NEGATIVE else "validation.positive", locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return out


def _slug_free(db: Session, slug: str, store_id: int | None, locale: str | None) -> None:
    taken = db.scalar(select(Store.id).where(Store.slug == slug))
    redirected = db.scalar(select(StoreSlugRedirect.store_id).where(StoreSlugRedirect.old_slug == slug))
    if (taken is not None and taken != store_id) or (redirected is not None and redirected != store_id):
        raise ValidationFailed(t("validation.slug_taken", locale), fields={"slug": t("validation.slug_taken", locale)})


def onboard_store(db: Session, ctx: TenantContext, store: StoreInput, manager: ManagerInput) -> tuple[Store, AppUser]:
    """Admin: create a store and its manager account together (one transaction, caller commits)."""
    require(ctx, Feature.MANAGE_STORES)
    values = _clean({k: v for k, v in store.__dict__.items() if k != "extra" and v is not None}, ctx.locale)
    _slug_free(db, values["slug"], None, ctx.locale)
    row = Store(**values)
    db.add(row)
    db.flush()
    user = create_user(
        db, ctx, email=manager.email, password=manager.password, role=UserRole.STORE_MANAGER,
        first_name=manager.first_name, last_name=manager.last_name, store_id=row.id, locale=row.locale,
    )
    row.manager_user_id = user.id
    db.flush()
    return row, user


def update_store(db: Session, ctx: TenantContext, store_id: int, changes: dict) -> Store:
    """Edit a store's details and policy. Admin-only fields need an admin."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    store = get_store(db, store_id, ctx.locale)
    if ctx.role == UserRole.STORE_MANAGER and store.id != ctx.home_store_id:
        raise NotFound(t("store.not_found", ctx.locale))
    unknown = set(changes) - EDITABLE_FIELDS - ADMIN_ONLY_FIELDS
    if unknown:
        raise unknown_fields(unknown, ctx.locale)
    if set(changes) & ADMIN_ONLY_FIELDS:
        require(ctx, Feature.TOGGLE_STORE_PAYMENTS)
    values = _clean(changes, ctx.locale)
    if "slug" in values and values["slug"] != store.slug:
        _slug_free(db, values["slug"], store.id, ctx.locale)
        # Keep the old address working: shared links and printed cards still find the store.
        existing = db.scalar(select(StoreSlugRedirect).where(StoreSlugRedirect.old_slug == values["slug"]))
        if existing is not None:
            db.delete(existing)
        db.add(StoreSlugRedirect(old_slug=store.slug, store_id=store.id))
    before = snapshot(store, tuple(values))
    for name, value in values.items():
        setattr(store, name, value)
    # Every edit is audited here, whoever makes it (manager dashboard, API, admin).
    record_change(db, ctx, store, before, store_id=store.id)
    if set(values) & EMBED_FIELDS:
        policy_changed(db)
    db.flush()
    return store
