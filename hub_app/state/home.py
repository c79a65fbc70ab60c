"""The home page's store finder: active stores by name, area or service."""

from __future__ import annotations

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.stores.directory import MAX_QUERY_LENGTH, find_stores
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import normalize_locale, t
from hub_app.state.session import SessionState


class HomeState(SessionState):
    query: str = ""
    results: list[dict[str, str]] = []
    searched: bool = False   # False: the first list (every store, before any search)

    @rx.var
    def result_status(self) -> str:
        loc = normalize_locale(self.locale)
        if not self.results:
            return t("home.none_found" if self.searched else "home.no_stores", loc)
        return t("home.found_count", loc, count=len(self.results))

    def _search(self, query: str) -> None:
        self.query = query.strip()[:MAX_QUERY_LENGTH]
        # Across stores: a service name may match in any of them (see domain.stores.directory).
        with unit_of_work(TenantContext.system()) as db:
            found = find_stores(db, self.query)
        self.results = [
            {"name": s.name, "slug": s.slug, "href": "/" + s.slug, "description": s.description,
             "area": ", ".join(part for part in (s.address, s.city) if part)}
            for s in found
        ]

    @rx.event
    def open_home(self):
        self._current_user()
        self.searched = False
        self._search("")

    @rx.event
    def search(self, form_data: dict):
        self._search(str(form_data.get("q") or ""))
        self.searched = True
