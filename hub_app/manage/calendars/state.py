"""/manage/calendars: calendars, weekly hours, date overrides, blocks, explicit slots, and a
live preview of the free times clients are offered."""

from __future__ import annotations

from datetime import date

import reflex as rx

from hub_app.i18n import t
from hub_app.manage.calendars import present, sync_present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.state import ManageState


class CalendarsState(ManageState):
    calendars: list[dict[str, str]] = []
    current: dict[str, str] = {}
    weekly: dict[str, str] = {}
    overrides: list[dict[str, str]] = []
    blocks: list[dict[str, str]] = []
    slots: list[dict[str, str]] = []
    offered: list[dict[str, str]] = []
    preview_service: str = ""
    preview_from: str = ""
    preview_days: list[dict[str, str]] = []
    edit_key: int = 0
    today: str = ""
    # Outside calendar (CalDAV) of the current calendar: its status, conflicts, external busy time,
    # and the calendars a successful "test connection" listed. No password is ever kept here.
    caldav: dict[str, str] = {}
    caldav_conflicts: list[dict[str, str]] = []
    caldav_external: list[dict[str, str]] = []
    caldav_found: list[dict[str, str]] = []
    ics_import: dict[str, str] = {}
    feeds: list[dict[str, str]] = []
    feed_url: str = ""  # a new subscription URL, shown once

    def _load_list(self, ctx) -> None:
        self.calendars = present.calendars_list(ctx)
        ids = [c["id"] for c in self.calendars]
        if self.current.get("id") not in ids:
            self.current = {"id": ids[0]} if ids else {}

    def _load_current(self, ctx) -> None:
        cal_id = parse_id(self.current.get("id"))
        if cal_id is None:
            self.weekly, self.overrides, self.blocks, self.slots, self.offered = {}, [], [], [], []
            self.preview_days = []
            return
        detail = present.calendar_detail(ctx, cal_id)
        self.current, self.weekly = detail["calendar"], detail["weekly"]
        self.overrides, self.blocks, self.slots = detail["overrides"], detail["blocks"], detail["slots"]
        self.offered, self.today = detail["services"], detail["today"]
        self._load_caldav(ctx, cal_id)
        if self.preview_service not in [s["id"] for s in self.offered]:
            self.preview_service = self.offered[0]["id"] if self.offered else ""
        self.preview_from = self.preview_from or self.today
        self._load_preview(ctx)
        self.edit_key += 1

    def _load_caldav(self, ctx, cal_id: int) -> None:
        data = sync_present.panel(ctx, cal_id)
        self.caldav, self.caldav_conflicts, self.caldav_external = (
            data["connection"], data["conflicts"], data["external"])
        self.ics_import, self.feeds = data["ics"], data["feeds"]

    def _load_preview(self, ctx) -> None:
        service_id = parse_id(self.preview_service)
        if service_id is None:
            self.preview_days = []
            return
        self.preview_days = present.preview(ctx, service_id, date.fromisoformat(self.preview_from))

    def _reload(self, ctx) -> None:
        self._load_list(ctx)
        self._load_current(ctx)

    def _change(self, action, success_key: str) -> None:
        if self._do(action, t(success_key, self._loc())):
            self._attempt(self._reload, self.notice_text)

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        self.preview_from = ""
        self._attempt(self._reload)

    @rx.event
    def choose(self, calendar_id: str):
        self.feed_url = ""
        self.current = {"id": calendar_id}
        self.preview_from = ""
        self._attempt(self._load_current)

    @rx.event
    def create(self, form: dict):
        name, color = form_text(form, "name"), form_text(form, "color")
        new_id = self._attempt(lambda ctx: present.create_calendar(ctx, name, color),
                               t("manage.calendars.created", self._loc()))
        if new_id is not None:
            self.current = {"id": str(new_id)}
            self._attempt(self._reload, self.notice_text)

    @rx.event
    def save_details(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.update_calendar(ctx, cal_id, name=form_text(form, "name"),
                                                         color=form_text(form, "color")),
                     "manage.saved")

    @rx.event
    def set_active(self, active: bool):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.update_calendar(ctx, cal_id, is_active=bool(active)), "manage.saved")

    @rx.event
    def save_weekly(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        self.weekly = {str(d): form_text(form, f"day{d}") for d in range(7)}
        self._change(lambda ctx: present.save_weekly_hours(ctx, cal_id, form), "manage.calendars.hours_saved")

    @rx.event
    def add_override(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.set_override(ctx, cal_id, form), "manage.calendars.override_saved")

    @rx.event
    def clear_override(self, day: str):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.clear_override(ctx, cal_id, day), "manage.calendars.override_cleared")

    @rx.event
    def add_block(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.add_block(ctx, cal_id, form), "manage.calendars.block_added")

    @rx.event
    def remove_block(self, block_id: str):
        self._change(lambda ctx: present.remove_block(ctx, parse_id(block_id)), "manage.calendars.block_removed")

    @rx.event
    def add_slot(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: present.add_slot(ctx, cal_id, form), "manage.calendars.slot_added")

    @rx.event
    def remove_slot(self, slot_id: str):
        self._change(lambda ctx: present.remove_slot(ctx, parse_id(slot_id)), "manage.calendars.slot_removed")

    @rx.event
    def update_preview(self, form: dict):
        self.preview_service = form_text(form, "service")
        try:
            self.preview_from = date.fromisoformat(form_text(form, "from")).isoformat()
        except ValueError:
            self.error_text = t("dashboard.bad_date", self._loc())
            return
        self._attempt(self._load_preview)

    @rx.event
    def caldav_submit(self, form: dict):
        """First submit: test the connection and list the server's calendars. Once listed (for the
        same address and user), the next submit connects with the chosen sources and target."""
        cal_id = parse_id(self.current.get("id"))
        server, user, password = form_text(form, "server_url"), form_text(form, "username"), form_text(form, "password")
        listed_for = (self.caldav_found[0].get("server"), self.caldav_found[0].get("user")) if self.caldav_found else None
        if listed_for != (server, user):
            found = self._attempt(lambda ctx: sync_present.test_connection(ctx, server, user, password),
                                  t("manage.calendar_sync.tested", self._loc()))
            self.caldav_found = [{**c, "server": server, "user": user, "index": str(i)}
                                 for i, c in enumerate(found or [])]
            return
        sources = [c["url"] for c in self.caldav_found if form.get(f"source-{c['index']}")]
        target = next((c["url"] for c in self.caldav_found if c["index"] == form_text(form, "target")), None)
        if self._do(lambda ctx: sync_present.connect(ctx, cal_id, server, user, password, sources, target),
                    t("manage.calendar_sync.connected", self._loc())):
            self.caldav_found = []
            self._attempt(self._reload, self.notice_text)

    @rx.event
    def caldav_sync_now(self):
        cal_id = parse_id(self.current.get("id"))
        summary = self._attempt(lambda ctx: sync_present.sync_now(ctx, cal_id))
        error = self.error_text
        self._attempt(self._reload)  # the new busy time, or the error now on the connection
        self.notice_text, self.error_text = summary or "", error or self.error_text

    @rx.event
    def caldav_disconnect(self):
        cal_id = parse_id(self.current.get("id"))
        self._change(lambda ctx: sync_present.disconnect(ctx, cal_id), "manage.calendar_sync.disconnected")

    @rx.event
    def import_ics(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        url = form_text(form, "feed_url")
        summary = self._attempt(lambda ctx: sync_present.import_ics(ctx, cal_id, url))
        error = self.error_text
        self._attempt(self._reload)
        self.notice_text, self.error_text = summary or "", error or self.error_text

    @rx.event
    def create_feed(self, form: dict):
        cal_id = parse_id(self.current.get("id"))
        names = bool(form.get("show_client_names"))
        url = self._attempt(lambda ctx: sync_present.create_feed(ctx, cal_id, names),
                            t("manage.calendar_sync.feed_created", self._loc()))
        if url:
            notice = self.notice_text
            self._attempt(self._reload)
            self.feed_url, self.notice_text = url, notice

    @rx.event
    def revoke_feeds(self):
        cal_id = parse_id(self.current.get("id"))
        self.feed_url = ""
        self._change(lambda ctx: sync_present.revoke_feeds(ctx, cal_id), "manage.calendar_sync.feeds_revoked")
