"""What a store shows on its public page: bookable services, photos, where it is.

Reads only. The session's tenant context (an anonymous context with the store's id is enough)
limits every query to that store.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import Calendar, CalendarService, Service
from hub_app.domain.stores.models import Store, StorePhoto
from hub_app.domain.stores.opening_hours import DayHours, weekly_opening_hours
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


def bookable_services(db: Session, ctx: TenantContext) -> list[Service]:
    """Services that are not archived and are offered by at least one active calendar."""
    require(ctx, Feature.VIEW_STORE)
    offered = exists().where(
        CalendarService.service_id == Service.id,
        CalendarService.calendar_id == Calendar.id,
        Calendar.is_active.is_(True),
    )
    query = select(Service).where(Service.is_archived.is_(False), offered).order_by(Service.name, Service.id)
    return list(db.scalars(query))


def store_photos(db: Session, ctx: TenantContext) -> list[StorePhoto]:
    require(ctx, Feature.VIEW_STORE)
    return list(db.scalars(select(StorePhoto).order_by(StorePhoto.position, StorePhoto.id)))


def postal_address(store: Store) -> str:
    """"Street 1, City" (what the page shows; empty parts left out)."""
    return ", ".join(part.strip() for part in (store.address, store.city) if part and part.strip())


def summary_line(store: Store, service_names: list[str], length: int = 160) -> str:
    """A line saying what the store is, for search results and link previews: its own
    description, else "Book online at <name>: <first services>." in the store's language."""
    if store.description and store.description.strip():
        text = " ".join(store.description.split())
    elif service_names:
        text = t("store.meta_description", store.locale, name=store.name, services=", ".join(service_names[:4]))
    else:
        text = t("store.meta_description_plain", store.locale, name=store.name)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def map_search_url(store: Store) -> str:
    """An OpenStreetMap search for the store's address ("" without one): no key, no script,
    opens the map in the reader's browser."""
    address = postal_address(store)
    if not address:
        return ""
    query = ", ".join(part for part in (address, store.country or "") if part)
    return "https://www.openstreetmap.org/search?" + urlencode({"query": query})


@dataclass(frozen=True)
class StoreFacts:
    """Everything a store's public page states about it, read in one unit of work (the raw HTML
    head and structured data of `/<slug>` are built from it)."""

    store: Store
    services: list[Service]
    photos: list[StorePhoto]
    hours: list[DayHours]


def store_facts(db: Session, ctx: TenantContext, store: Store) -> StoreFacts:
    """The facts of `store` (found with `get_store_by_slug`); `db` is opened in the store's context
    (`TenantContext.anonymous(store.id)` is enough)."""
    return StoreFacts(store=store, services=bookable_services(db, ctx), photos=store_photos(db, ctx),
                      hours=weekly_opening_hours(db, ctx))
