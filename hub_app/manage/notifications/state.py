"""State of /manage/notifications ("Messages" in the navigation): compose, history, the
automated messages' templates and switches, and the reminder lead time."""

from __future__ import annotations

import uuid
from datetime import date

import reflex as rx

from hub_app.domain.bookings.paging import COUNT_CAP
from hub_app.domain.errors import DomainError
from hub_app.i18n import t
from hub_app.manage.notifications import present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.present import find_clients, send_message
from hub_app.manage.shell.state import ManageState

PAGE_SIZE = 20


class NotificationsState(ManageState):
    audience: str = "all"
    compose_key: int = 0
    compose_token: str = ""
    compose: dict[str, str] = {}
    recipient_choices: list[dict[str, str]] = []
    status_filter: str = ""
    page: int = 0
    rows: list[dict[str, str]] = []
    total: int = 0
    templates: list[dict[str, str]] = []
    template_key: int = 0
    reminder_hours: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // PAGE_SIZE))

    @rx.var
    def pages_label(self) -> str:
        """"3 / 12", or "3 / 50+" when more messages match than are counted."""
        return f"{self.page + 1} / {self.page_count}" + ("+" if self.total > COUNT_CAP else "")

    @rx.var
    def switches(self) -> list[dict[str, str]]:
        """One on/off switch per automated kind and channel (the English row stands for both)."""
        return [r for r in self.templates if r["locale"] == "en"]

    def _load_history(self, ctx) -> None:
        self.rows, self.total = present.history(ctx, self.status_filter, self.page, PAGE_SIZE)

    def _load(self, ctx) -> None:
        self._load_history(ctx)
        self.templates = present.template_rows(ctx)
        self.reminder_hours = present.reminder_hours(ctx)
        self.template_key += 1

    def _new_compose(self) -> None:
        self.compose_token = uuid.uuid4().hex
        self.compose_key += 1

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        params = self.router.url.query_parameters
        self.compose = {"client": params.get("client", "")}
        self.audience = "client" if self.compose["client"] else "all"
        self.recipient_choices = []
        self._new_compose()
        self._attempt(self._load)

    @rx.event
    def refresh(self, _tick: str = ""):
        if self.dashboard_status == "ready":
            try:
                self._load_history(self._manage_ctx())
            except DomainError:
                pass

    @rx.event
    def set_audience(self, value: str):
        if value in ("client", "day", "all"):
            self.audience = value

    @rx.event
    def find_recipients(self, form: dict):
        search = form_text(form, "search")
        self.recipient_choices = self._attempt(lambda ctx: find_clients(ctx, search)) or []

    @rx.event
    def send(self, form: dict):
        self.compose = {k: form_text(form, k) for k in ("client", "day", "channel", "subject", "body")}
        day = None
        if self.audience == "day":
            try:
                day = date.fromisoformat(self.compose["day"])
            except ValueError:
                self.field_errors = {"day": t("dashboard.bad_date", self._loc())}
                self.error_text = self.field_errors["day"]
                return
        sent = self._attempt(lambda ctx: send_message(
            ctx, audience=self.audience, client_user_id=parse_id(self.compose["client"]), day=day,
            channel=self.compose["channel"] or "sms", subject=self.compose["subject"], body=self.compose["body"],
            idempotency_key=self.compose_token))
        if sent is not None:
            self.compose = {}
            self._new_compose()
            self.notice_text = t("manage.notifications.queued", self._loc(), count=sent)
            self._attempt(self._load_history, self.notice_text)

    @rx.event
    def filter_history(self, status: str):
        self.status_filter, self.page = status, 0
        self._attempt(self._load_history)

    @rx.event
    def turn_page(self, delta: int):
        self.page = max(0, min(self.page + int(delta), self.page_count - 1))
        self._attempt(self._load_history)

    @rx.event
    def switch(self, kind: str, channel: str, enabled: bool):
        if self._do(lambda ctx: present.switch_automated(ctx, kind, channel, bool(enabled)), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def save_template(self, form: dict):
        kind, channel, loc = form_text(form, "kind"), form_text(form, "channel"), form_text(form, "locale")
        if self._do(lambda ctx: present.save_template(ctx, kind, channel, loc, form_text(form, "subject"),
                                                      form_text(form, "body")), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def reset_template(self, kind: str, channel: str, loc: str):
        if self._do(lambda ctx: present.reset_template(ctx, kind, channel, loc), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def save_reminder_hours(self, form: dict):
        hours = form_text(form, "hours")
        if self._do(lambda ctx: present.set_reminder_hours(ctx, hours), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)
