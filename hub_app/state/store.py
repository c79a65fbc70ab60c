"""The public store page `/<store_slug>`: details, photos and services."""

from __future__ import annotations

from decimal import Decimal

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.embedding.rules import accent_or_default, text_color_on
from hub_app.domain.errors import NotFound
from hub_app.domain.scheduling.models import PriceType, Service
from hub_app.domain.stores.public import bookable_services, store_photos
from hub_app.domain.stores.service import get_store_by_slug
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_money, normalize_locale, t
from hub_app.state.session import SessionState


def service_facts(service: Service) -> dict[str, str]:
    """The raw facts of a service the pages format in the reader's language."""
    return {
        "id": str(service.id),
        "name": service.name,
        "description": service.description or "",
        "duration": str(service.duration_minutes),
        "min_persons": str(service.min_persons),
        "max_persons": str(service.max_persons),
        "price_type": service.price_type.value,
        "amount": str(service.base_price_amount),
        "interval": service.recurring_interval.value if service.is_recurring and service.recurring_interval else "",
    }


def price_label(facts: dict[str, str], currency: str, locale: str) -> str:
    money = format_money(Decimal(facts["amount"]), currency, locale)
    if facts["price_type"] == PriceType.PER_HOUR.value:
        label = t("store.price_per_hour", locale, price=money)
    elif facts["price_type"] == PriceType.PER_PERSON.value:
        label = t("store.price_per_person", locale, price=money)
    else:
        label = money
    if facts.get("interval"):   # a recurring service: paid each period by its subscription
        return t("subscription.price_per_interval", locale, price=label,
                 interval=t(f"subscription.interval.{facts['interval']}", locale))
    return label


def persons_label(facts: dict[str, str], locale: str) -> str:
    low, high = facts["min_persons"], facts["max_persons"]
    if low == high:
        return t("store.persons_one" if low == "1" else "store.persons_exact", locale, count=low)
    return t("store.persons_range", locale, low=low, high=high)


EMBED_PREFIX = "embed"


class StoreState(SessionState):
    # "loading" until on_load ran, then "found" or "missing" (an unknown slug still gets HTTP
    # 200 from the dynamic route, so the page renders the not-found view from this).
    store_status: str = "loading"
    store: dict[str, str] = {}
    photos: list[dict[str, str]] = []
    _store_id: int = 0
    _service_facts: list[dict[str, str]] = []

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
            return
        if store.slug != slug:
            # An old slug (or different letter case): send the reader to the store's current address.
            parts, at = self._path_parts()
            query = f"?{self.router.url.query}" if self.router.url.query else ""
            return rx.redirect("/" + "/".join([*parts[:at], store.slug, *parts[at + 1:]]) + query)
        with unit_of_work(TenantContext.anonymous(store.id, locale=self._loc())) as db:
            services = bookable_services(db, TenantContext.anonymous(store.id, locale=self._loc()))
            photos = store_photos(db, TenantContext.anonymous(store.id, locale=self._loc()))
        self._store_id = store.id
        self.store = {
            "id": str(store.id),
            "name": store.name,
            "slug": store.slug,
            "address": ", ".join(v for v in (store.address, store.city) if v),
            "phone": store.phone_number or "",
            "email": store.email or "",
            "description": store.description or "",
            "timezone": store.timezone,
            "currency": store.currency,
            # Read by the embed page: where it may report a booking, and its colours.
            "embed_domains": " ".join(store.embed_domains or ()),
            "accent": accent_or_default(store.embed_accent_color),
            "accent_text": text_color_on(accent_or_default(store.embed_accent_color)),
        }
        self._service_facts = [service_facts(s) for s in services]
        self.photos = [
            {"src": "/uploads/" + p.path.lstrip("/"), "alt": p.caption or store.name} for p in photos
        ]
        self.store_status = "found"
