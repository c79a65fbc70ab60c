"""The wizard's "who": the people offering the chosen service, and the client's choice of one of
them or "anyone". The booking wizard (hub_app.state.booking) builds on this state."""

from __future__ import annotations

import reflex as rx

from hub_app.domain.scheduling.staff import bookable_people
from hub_app.i18n import normalize_locale, t
from hub_app.state.store import StoreState

ANYONE = ""


class StaffChoiceState(StoreState):
    # The people offering the chosen service, in the store's order: id, name, initials, photo, color.
    people: list[dict[str, str]] = []
    staff_id: str = ANYONE       # a calendar id, or "" for anyone

    @rx.var
    def staff_offered(self) -> bool:
        """A choice only when more than one person offers the service."""
        return len(self.people) > 1

    @rx.var
    def staff_label(self) -> str:
        if self.staff_id == ANYONE:
            return t("wizard.anyone", normalize_locale(self.locale)) if len(self.people) > 1 else ""
        return next((p["name"] for p in self.people if p["id"] == self.staff_id), "")

    def _load_people(self, service_id: int) -> None:
        with self._acting(self._store_id) as (db, _, ctx):
            found = bookable_people(db, ctx, service_id)
        self.people = [{"id": str(p.id), "name": p.name, "initials": p.initials, "photo": p.photo_url or "",
                        "color": p.color or ""} for p in found]
        self.staff_id = ANYONE

    def _take_staff(self, calendar_id: str) -> bool:
        """Keep the choice when it is "anyone" or one of the people offered."""
        wanted = str(calendar_id or "")
        if wanted != ANYONE and not any(p["id"] == wanted for p in self.people):
            return False
        self.staff_id = wanted
        return True

    def _calendar_choice(self) -> int | None:
        """The calendar to ask the domain for, or None for anyone."""
        return int(self.staff_id) if self.staff_id != ANYONE else None
