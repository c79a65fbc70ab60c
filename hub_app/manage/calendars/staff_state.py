"""/manage/calendars, "Who takes bookings": the rule for bookings made for anyone, the order of
the calendars (people), and the photo of the calendar open in the section."""

from __future__ import annotations

import asyncio

import reflex as rx

from hub_app.domain.errors import DomainError
from hub_app.i18n import t
from hub_app.manage.calendars import staff_present
from hub_app.manage.calendars.state import CalendarsState
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.state import ManageState
from hub_app.settings import get_settings


class StaffState(ManageState):
    rule: str = "least_busy"
    people: list[dict[str, str]] = []
    uploading: bool = False
    rule_key: int = 0

    def _load(self, ctx) -> None:
        found = staff_present.staff_settings(ctx)
        self.rule, self.people = found["rule"], found["people"]
        self.rule_key += 1

    @rx.event
    def load(self):
        if self.dashboard_status == "ready":
            self._attempt(self._load)

    @rx.event
    def save_rule(self, form: dict):
        rule = form_text(form, "anyone_rule")
        if self._do(lambda ctx: staff_present.set_rule(ctx, rule), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def move(self, calendar_id: str, steps: int):
        cal_id = parse_id(calendar_id)
        if self._do(lambda ctx: staff_present.move(ctx, cal_id, int(steps)), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    async def _current_calendar(self) -> int | None:
        calendars = await self.get_state(CalendarsState)
        return parse_id(calendars.current.get("id"))

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        self._clear_messages()
        cal_id = await self._current_calendar()
        if cal_id is None or not files:
            return
        self.uploading = True
        yield
        upload = files[0]
        limit = get_settings().upload_max_bytes
        try:
            if upload.size is not None and upload.size > limit:
                self.error_text = t("dashboard.photo_too_large", self._loc(), mb=f"{limit / 1048576:.0f}")
                return
            data = await upload.read()
            ctx = self._manage_ctx()
            # Decoding and thumbnailing are CPU work: keep the event loop free meanwhile.
            await asyncio.to_thread(staff_present.upload_photo, ctx, cal_id, data)
            self._load(ctx)
            self.notice_text = t("manage.saved", self._loc())
        except DomainError as exc:
            self.error_text = exc.message
        finally:
            self.uploading = False

    @rx.event
    async def remove_photo(self):
        cal_id = await self._current_calendar()
        if cal_id is None:
            return
        if self._do(lambda ctx: staff_present.remove_photo(ctx, cal_id), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)
