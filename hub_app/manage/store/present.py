"""Domain-facing functions of the Store section: details, booking policy and photos."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.embedding.rules import DEFAULT_ACCENT
from hub_app.domain.embedding.snippet import embed_url, iframe_tag, script_tag
from hub_app.domain.stores import photos
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.stores.service import EDITABLE_FIELDS, update_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.settings import get_settings

TEXT_FIELDS = ("name", "slug", "address", "city", "country", "phone_number", "email", "description", "timezone",
               "locale", "currency")
NUMBER_FIELDS = ("cancellation_cutoff_hours", "min_notice_minutes", "booking_horizon_days", "payment_hold_minutes",
                 "reminder_hours_before")
OPTIONAL = {"address", "city", "country", "phone_number", "email", "description"}


def store_form(ctx: TenantContext) -> dict[str, str]:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        return {name: "" if getattr(store, name) is None else str(getattr(store, name))
                for name in TEXT_FIELDS + NUMBER_FIELDS}


def save_store(ctx: TenantContext, form: dict) -> dict[str, str]:
    """Save the details and policy; the domain checks every value (slug, zone, currency, ...)."""
    changes: dict[str, object] = {}
    for name in TEXT_FIELDS + NUMBER_FIELDS:
        if name not in form or name not in EDITABLE_FIELDS:
            continue
        value = str(form.get(name) or "").strip()
        changes[name] = (value or None) if name in OPTIONAL else value
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        update_store(db, ctx, store.id, changes)
    return store_form(ctx)


def photo_rows(ctx: TenantContext) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        rows = photos.list_photos(db, ctx)
    return [{"id": str(p.id), "src": "/uploads/" + p.path, "thumb": "/uploads/" + (p.thumbnail_path or p.path),
             "caption": p.caption or "", "position": str(index + 1)} for index, p in enumerate(rows)]


def upload_photo(ctx: TenantContext, data: bytes, caption: str | None = None) -> None:
    with unit_of_work(ctx) as db:
        photos.add_photo(db, ctx, data, caption)


def move_photo(ctx: TenantContext, photo_id: int, steps: int) -> None:
    with unit_of_work(ctx) as db:
        photos.move_photo(db, ctx, photo_id, steps)


def delete_photo(ctx: TenantContext, photo_id: int) -> None:
    with unit_of_work(ctx) as db:
        photos.delete_photo(db, ctx, photo_id)


def caption_photo(ctx: TenantContext, photo_id: int, caption: str) -> None:
    with unit_of_work(ctx) as db:
        photos.set_caption(db, ctx, photo_id, caption)


def embedding_form(ctx: TenantContext) -> dict[str, str]:
    """The embedding settings as typed (one site per line), and what the manager copies."""
    base = get_settings().public_base_url
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        return {
            "embed_domains": "\n".join(store.embed_domains or ()),
            "embed_accent_color": store.embed_accent_color or "",
            "default_accent": DEFAULT_ACCENT,
            "script_tag": script_tag(base, store.slug),
            "iframe_url": embed_url(base, store.slug),
            "iframe_tag": iframe_tag(base, store.slug, t("embed.dialog", ctx.locale)),
        }


def save_embedding(ctx: TenantContext, form: dict) -> dict[str, str]:
    """Save the sites and the colour; the domain checks each site and names a bad one."""
    changes = {"embed_domains": str(form.get("embed_domains") or ""),
               "embed_accent_color": str(form.get("embed_accent_color") or "").strip() or None}
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        update_store(db, ctx, store.id, changes)
    return embedding_form(ctx)
