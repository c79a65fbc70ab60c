"""Finding a store from the public home page, and the list of public store pages (sitemap).

Only active stores are ever listed. A search term matches a store's name, address, city or the
name of one of its services (not archived); every term of the query must match somewhere.

Matching a service name reads the services of every store, so the caller opens the session with
a cross-store context (`TenantContext.system()`): what is read here is what each store's public
page shows anyway, and only store-level facts are returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from hub_app.domain.scheduling.models import Service
from hub_app.domain.stores.models import Store, StorePhoto

MAX_RESULTS = 20          # a page of results; the reader narrows the query rather than pages
MAX_TERMS = 5             # longer queries are cut: each term is one more condition per row
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class StoreListing:
    name: str
    slug: str
    address: str
    city: str
    description: str


@dataclass(frozen=True)
class StorePage:
    slug: str
    last_modified: datetime


def _terms(query: str) -> list[str]:
    return [term.lower() for term in (query or "")[:MAX_QUERY_LENGTH].split()][:MAX_TERMS]


def _term_matches(term: str):
    # contains(autoescape=True): a "%" or "_" typed by the reader is a letter, not a wildcard.
    # lower() on both sides: PostgreSQL folds every alphabet; SQLite (development) only A-Z.
    def has(column):
        return func.lower(func.coalesce(column, "")).contains(term, autoescape=True)

    offers_service = exists().where(
        Service.store_id == Store.id, Service.is_archived.is_(False), has(Service.name),
    )
    return or_(has(Store.name), has(Store.address), has(Store.city), offers_service)


def find_stores(db: Session, query: str, limit: int = MAX_RESULTS) -> list[StoreListing]:
    """Active stores matching every term of `query` (all active stores for an empty one), by
    name, at most `limit` (capped at MAX_RESULTS)."""
    conditions = [Store.is_active.is_(True), *(_term_matches(term) for term in _terms(query))]
    statement = (
        select(Store.name, Store.slug, Store.address, Store.city, Store.description)
        .where(and_(*conditions))
        .order_by(func.lower(Store.name), Store.id)
        .limit(max(1, min(limit, MAX_RESULTS)))
    )
    return [
        StoreListing(name=name, slug=slug, address=address or "", city=city or "",
                     description=_first_line(description))
        for name, slug, address, city, description in db.execute(statement)
    ]


def _first_line(text: str | None, length: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def active_store_pages(db: Session) -> list[StorePage]:
    """Every active store's page with the time what it shows last changed: the store's details,
    its services or its photos (sitemap; the caller's context spans stores)."""
    latest_service = (select(func.max(Service.updated_at)).where(Service.store_id == Store.id)
                      .correlate(Store).scalar_subquery())
    latest_photo = (select(func.max(StorePhoto.updated_at)).where(StorePhoto.store_id == Store.id)
                    .correlate(Store).scalar_subquery())
    statement = (select(Store.slug, Store.updated_at, latest_service, latest_photo)
                 .where(Store.is_active.is_(True)).order_by(Store.slug))
    return [
        StorePage(slug=slug, last_modified=max(_aware(t) for t in (updated, service, photo) if t is not None))
        for slug, updated, service, photo in db.execute(statement)
    ]


def _aware(value: datetime | str) -> datetime:
    # A max() over a column comes back from SQLite as text, without the column's type.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
