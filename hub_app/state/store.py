"""The public store page `/<store_slug>`: details, photos, opening hours, services and their
next free times."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import reflex as rx
from babel.dates import get_day_names

from hub_app.db import unit_of_work
from hub_app.domain.embedding.rules import accent_or_default, text_color_on
from hub_app.domain.errors import NotFound
from hub_app.domain.stores.next_free import next_free_starts
from hub_app.domain.stores.opening_hours import weekly_opening_hours
from hub_app.domain.stores.public import (
    bookable_services, map_search_url, postal_address, store_photos, summary_line,
)
from hub_app.domain.stores.service import get_store, get_store_by_slug
from hub_app.domain.stores.service_labels import hours_facts, persons_label, price_label, service_facts
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_date, format_time, normalize_locale, t
from hub_app.state.session import SessionState


def start_label(start: datetime, tz: str, locale: str) -> str:
    """"Tue 8 Dec, 9:00 AM": the time as the wizard shows it, with a short day before it."""
    return f"{format_date(start, tz, locale, 'EEE d MMM')}, {format_time(start, tz, locale)}"


def wizard_href(slug: str, service_id: str, start_iso: str = "") -> str:
    """The booking wizard for a service, at a chosen start when one is given (the wizard opens
    on that time when it is still free)."""
    href = f"/{slug}/book?service={quote(service_id)}"
    return href + (f"&start={quote(start_iso, safe='')}" if start_iso else "")


EMBED_PREFIX = "embed"


class StoreState(SessionState):
    # "loading" until on_load ran, then "found" or "missing" (an unknown slug still gets HTTP
    # 200 from the dynamic route, so the page renders the not-found view from this).
    store_status: str = "loading"
    store: dict[str, str] = {}
    photos: list[dict[str, str]] = []
    map_url: str = ""
    _store_id: int = 0
    _service_facts: list[dict[str, str]] = []
    _hours: list[dict[str, str]] = []
    _next_starts: dict[str, list[str]] = {}   # service id -> free starts, UTC ISO 8601

    @rx.var
    def page_title(self) -> str:
        loc = normalize_locale(self.locale)
        if self.store_status == "found":
            return t("title.store", loc, name=self.store.get("name", ""))
        if self.store_status == "missing":
            return t("title.store_missing", loc)
        return t("app.name", loc)

    @rx.var
    def meta_description(self) -> str:
        """The page's description once it runs (the raw HTML carries the same for crawlers)."""
        return self.store.get("summary", "")

    @rx.var
    def opening_hours(self) -> list[dict[str, str]]:
        loc = normalize_locale(self.locale)
        names = get_day_names("wide", locale=loc)   # 0 = Monday, as OpeningRule.weekday
        return [
            {"day": names[int(day["weekday"])], "hours": day["windows"] or t("store.closed", loc),
             "closed": "1" if not day["windows"] else ""}
            for day in self._hours
        ]

    @rx.var
    def next_times(self) -> dict[str, list[dict[str, str]]]:
        """Per service id: its next free starts as labels in the reader's language, each with
        the wizard link that opens on it."""
        loc = normalize_locale(self.locale)
        tz, slug = self.store.get("timezone", "UTC"), self.store.get("slug", "")
        # Every service has its entry (empty until the times are read): the page indexes by id.
        return {
            facts["id"]: [
                {"label": start_label(datetime.fromisoformat(iso), tz, loc),
                 "href": wizard_href(slug, facts["id"], iso)}
                for iso in self._next_starts.get(facts["id"], [])
            ]
            for facts in self._service_facts
        }

    @rx.var
    def services(self) -> list[dict[str, str]]:
        loc = normalize_locale(self.locale)
        currency = self.store.get("currency", "EUR")
        return [
            {
                **facts,
                "duration_label": t("store.duration_minutes", loc, minutes=facts["duration"]),
                "persons_label": persons_label(facts, loc),
                "price_label": price_label(facts, currency, loc),
            }
            for facts in self._service_facts
        ]

    @rx.var
    def contact_line(self) -> str:
        return " · ".join(v for v in (self.store.get("phone", ""), self.store.get("email", "")) if v)

    def _path_parts(self) -> tuple[list[str], int]:
        """The path's segments and where the slug is: /<slug>/..., or /embed/<slug> (the wizard
        framed on the store's own site)."""
        parts = str(self.router.url.path or "").strip("/").split("/")
        return parts, 1 if parts[0] == EMBED_PREFIX and len(parts) > 1 else 0

    def _slug_param(self) -> str:
        parts, at = self._path_parts()
        return parts[at]

    @rx.event
    def load_store(self):
        return self._load_store()

    @rx.event
    def load_store_page(self):
        """The store page's load: the store, then its hours and free times, in one answer (the
        page renders once instead of twice)."""
        redirect = self._load_store()
        if redirect is not None:
            return redirect
        self._load_hours_and_free_times()

    def _load_store(self):
        self._current_user()
        slug = self._slug_param()
        try:
            with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
                store = get_store_by_slug(db, slug, self._loc())
        except NotFound:
            self.store_status = "missing"
            self.store = {}
            self._service_facts = []
            self.photos = []
            self._hours = []
            self._next_starts = {}
            self.map_url = ""
            return
        if store.slug != slug:
            # An old slug (or different letter case): send the reader to the store's current address.
            parts, at = self._path_parts()
            query = f"?{self.router.url.query}" if self.router.url.query else ""
            return rx.redirect("/" + "/".join([*parts[:at], store.slug, *parts[at + 1:]]) + query)
        ctx = TenantContext.anonymous(store.id, locale=self._loc())
        with unit_of_work(ctx) as db:
            services = bookable_services(db, ctx)
            photos = store_photos(db, ctx)
        self._store_id = store.id
        self.store = {
            "id": str(store.id),
            "name": store.name,
            "slug": store.slug,
            "address": postal_address(store),
            "phone": store.phone_number or "",
            "email": store.email or "",
            "description": store.description or "",
            "timezone": store.timezone,
            "currency": store.currency,
            "summary": summary_line(store, [s.name for s in services]),
            # Read by the embed page: where it may report a booking, and its colours.
            "embed_domains": " ".join(store.embed_domains or ()),
            "accent": accent_or_default(store.embed_accent_color),
            "accent_text": text_color_on(accent_or_default(store.embed_accent_color)),
        }
        self._service_facts = [service_facts(s) for s in services]
        # The grid shows the 480 px thumbnails (a fraction of the bytes); each opens the full photo.
        self.photos = [
            {"src": "/uploads/" + (p.thumbnail_path or p.path).lstrip("/"), "full": "/uploads/" + p.path.lstrip("/"),
             "alt": p.caption or store.name}
            for p in photos
        ]
        self.map_url = map_search_url(store)
        self.store_status = "found"

    def _load_hours_and_free_times(self) -> None:
        """What only the store page shows (the wizard, built on this state, skips the cost)."""
        self._hours = []
        self._next_starts = {}
        if self.store_status != "found":
            return
        ctx = TenantContext.anonymous(self._store_id, locale=self._loc())
        with unit_of_work(ctx) as db:
            store = get_store(db, self._store_id, self._loc())
            hours = weekly_opening_hours(db, ctx)
            starts = next_free_starts(db, ctx, store, bookable_services(db, ctx))
        self._hours = [hours_facts(day) for day in hours]
        self._next_starts = {str(sid): [s.isoformat() for s in found] for sid, found in starts.items()}
