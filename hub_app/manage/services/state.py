"""/manage/services: create, edit, archive (or delete, when never booked) services."""

from __future__ import annotations

import reflex as rx

from hub_app.i18n import t
from hub_app.manage.services import present
from hub_app.manage.shell.forms import parse_id
from hub_app.manage.shell.state import ManageState


class ServicesState(ManageState):
    services: list[dict[str, str]] = []
    calendar_options: list[dict[str, str]] = []
    form: dict[str, str] = {}
    form_open: bool = False
    form_key: int = 0

    @rx.var
    def calendar_choices(self) -> list[dict[str, str]]:
        chosen = set((self.form.get("calendar_ids") or "").split(","))
        return [{**c, "checked": "1" if c["id"] in chosen else ""} for c in self.calendar_options]

    @rx.var
    def editing(self) -> bool:
        return self.form.get("id", "") != ""

    def _load(self, ctx) -> None:
        self.services = present.services_list(ctx)
        self.calendar_options = present.active_calendars(ctx)

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        self.form_open = False
        self._attempt(self._load)

    def _open(self, service_id: int | None) -> None:
        values = self._attempt(lambda ctx: present.service_form(ctx, service_id))
        if values is not None:
            self.form = values
            self.form_open = True
            self.form_key += 1

    @rx.event
    def new_service(self):
        self._open(None)

    @rx.event
    def edit_service(self, service_id: str):
        self._open(parse_id(service_id))

    @rx.event
    def close_form(self):
        self.form_open = False
        self._clear_messages()

    @rx.event
    def save(self, form_data: dict):
        service_id = parse_id(self.form.get("id"))
        # Keep what was typed (also the ticked calendars) if the domain refuses it.
        self.form = {**self.form, **{k: str(v) for k, v in form_data.items() if not k.startswith("cal_")},
                     "calendar_ids": ",".join(k[4:] for k, v in form_data.items() if k.startswith("cal_") and v)}
        for flag in ("payment_enabled", "is_recurring"):
            self.form[flag] = "1" if form_data.get(flag) else ""
        saved = self._attempt(lambda ctx: present.save_service(ctx, service_id, form_data),
                              t("manage.services.saved", self._loc()))
        if saved is not None:
            self.form_open = False
            self._attempt(self._load, self.notice_text)

    @rx.event
    def archive(self, service_id: str):
        if self._do(lambda ctx: present.archive_service(ctx, parse_id(service_id), True),
                    t("manage.services.archived", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def restore(self, service_id: str):
        if self._do(lambda ctx: present.archive_service(ctx, parse_id(service_id), False),
                    t("manage.services.restored", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def delete(self, service_id: str):
        if self._do(lambda ctx: present.delete_service(ctx, parse_id(service_id)),
                    t("manage.services.deleted", self._loc())):
            self._attempt(self._load, self.notice_text)
