"""State of /manage (overview), /manage/clients, /manage/notifications, /manage/subscription."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import reflex as rx

from hub_app.domain.bookings.paging import COUNT_CAP
from hub_app.domain.errors import DomainError
from hub_app.i18n import t
from hub_app.settings import get_settings
from hub_app.state.manage import actions_invites as invites
from hub_app.state.manage import actions_more as actions
from hub_app.state.manage.base import ManageState, form_text, parse_id

PAGE_SIZE = 20
PERIODS = {"7": 7, "30": 30, "90": 90}


class OverviewState(ManageState):
    period: str = "30"
    first: str = ""
    last: str = ""
    today_rows: list[dict[str, str]] = []
    upcoming_rows: list[dict[str, str]] = []
    days: list[dict[str, str]] = []
    totals: dict[str, str] = {}
    utilisation: list[dict[str, str]] = []
    banners: list[str] = []  # a lapsed payment, the free plan's limits, SMS used up
    period_key: int = 0

    def _load(self, ctx) -> None:
        if not self.last:
            today = actions.store_today(ctx)
            self.last = today.isoformat()
            self.first = (today - timedelta(days=PERIODS.get(self.period, 30) - 1)).isoformat()
        data = actions.overview_data(ctx, date.fromisoformat(self.first), date.fromisoformat(self.last))
        self.today_rows, self.upcoming_rows = data["today"], data["upcoming"]
        self.days, self.totals, self.utilisation = data["days"], data["totals"], data["calendars"]
        self.banners = data["banners"]
        self.period_key += 1

    @rx.event
    def load(self):
        if self.dashboard_status == "ready":
            self.first = self.last = ""
            self._attempt(self._load)

    @rx.event
    def refresh(self, _tick: str = ""):
        if self.dashboard_status == "ready" and self.last:
            try:
                self._load(self._manage_ctx())
            except DomainError:
                pass

    @rx.event
    def choose_period(self, days: str):
        if days in PERIODS:
            self.period = days
            self.first = self.last = ""
            self._attempt(self._load)

    @rx.event
    def custom_period(self, form: dict):
        try:
            first, last = date.fromisoformat(form_text(form, "first")), date.fromisoformat(form_text(form, "last"))
        except ValueError:
            self.error_text = t("dashboard.bad_date", self._loc())
            return
        self.period, self.first, self.last = "", first.isoformat(), last.isoformat()
        self._attempt(self._load)


class ClientsState(ManageState):
    search: str = ""
    page: int = 0
    # Keyset pages: cursors[i] opens page i ("" for the first); next_cursor opens the one after.
    cursors: list[str] = [""]
    next_cursor: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    client: dict[str, str] = {}
    history: list[dict[str, str]] = []
    subscriptions: list[dict[str, str]] = []   # the client's recurring services here (read-only)
    message_key: int = 0
    message_token: str = ""
    invitations: list[dict[str, str]] = []
    invite_key: int = 0

    @rx.var
    def pages_label(self) -> str:
        """"3 / 12", or "3 / 50+" when more clients match than are counted."""
        count = max(1, -(-min(self.total, COUNT_CAP) // PAGE_SIZE))
        return f"{self.page + 1} / {count}" + ("+" if self.total > COUNT_CAP else "")

    def _load(self, ctx) -> None:
        cursor = self.cursors[self.page] if self.page < len(self.cursors) else ""
        self.rows, self.total, self.next_cursor = actions.client_rows(ctx, self.search, cursor, PAGE_SIZE)
        self.invitations = invites.invitation_rows(ctx)

    @rx.event
    def invite(self, form: dict):
        """Someone who has not booked here: they become a client once they accept the email."""
        sent = self._attempt(lambda ctx: invites.send_invitation(
            ctx, form_text(form, "email"), form_text(form, "first_name"), form_text(form, "last_name")))
        if sent is not None:
            self.invite_key += 1
            self.invitations = self._attempt(invites.invitation_rows) or []
            self.notice_text = t("invite.sent", self._loc(), email=sent)

    @rx.event
    def load(self):
        if self.dashboard_status == "ready":
            self.client, self.history, self.subscriptions = {}, [], []
            self._attempt(self._load)

    @rx.event
    def find(self, form: dict):
        self.search, self.page, self.cursors = form_text(form, "search"), 0, [""]
        self._attempt(self._load)

    @rx.event
    def turn_page(self, delta: int):
        if int(delta) > 0 and self.next_cursor:
            self.cursors = self.cursors[:self.page + 1] + [self.next_cursor]
            self.page += 1
        elif int(delta) < 0 and self.page > 0:
            self.page -= 1
        self._attempt(self._load)

    @rx.event
    def open_client(self, client_id: str):
        data = self._attempt(lambda ctx: actions.client_detail(ctx, parse_id(client_id)))
        if data is not None:
            self.client, self.history = data["client"], data["bookings"]
            self.subscriptions = data["subscriptions"]
            self.message_key += 1
            self.message_token = uuid.uuid4().hex

    @rx.event
    def close_client(self):
        self.client, self.history, self.subscriptions = {}, [], []

    @rx.event
    def reload_rows(self):
        """The list again after a change made elsewhere, keeping that change's message."""
        try:
            self._load(self._manage_ctx())
        except DomainError:
            pass

    @rx.event
    def export_csv(self):
        data = self._attempt(lambda ctx: actions.export_clients(ctx, self.search))
        if data is not None:
            return rx.download(data=data, filename="clients.csv", mime_type="text/csv")

    @rx.event
    def send(self, form: dict):
        client_id = parse_id(self.client.get("id"))
        sent = self._attempt(lambda ctx: actions.send_message(
            ctx, audience="client", client_user_id=client_id, day=None, channel=form_text(form, "channel") or "sms",
            subject=form_text(form, "subject"), body=form_text(form, "body"), idempotency_key=self.message_token))
        if sent is not None:
            self.notice_text = t("manage.notifications.queued", self._loc(), count=sent)
            self.message_key += 1
            self.message_token = uuid.uuid4().hex


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
        return max(1, -(-self.total // PAGE_SIZE))

    @rx.var
    def switches(self) -> list[dict[str, str]]:
        """One on/off switch per automated kind and channel (the English row stands for both)."""
        return [r for r in self.templates if r["locale"] == "en"]

    def _load_history(self, ctx) -> None:
        self.rows, self.total = actions.history(ctx, self.status_filter, self.page, PAGE_SIZE)

    def _load(self, ctx) -> None:
        self._load_history(ctx)
        self.templates = actions.template_rows(ctx)
        self.reminder_hours = actions.reminder_hours(ctx)
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
        from hub_app.state.manage.actions_bookings import find_clients

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
        sent = self._attempt(lambda ctx: actions.send_message(
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
        if self._do(lambda ctx: actions.switch_automated(ctx, kind, channel, bool(enabled)), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def save_template(self, form: dict):
        kind, channel, loc = form_text(form, "kind"), form_text(form, "channel"), form_text(form, "locale")
        if self._do(lambda ctx: actions.save_template(ctx, kind, channel, loc, form_text(form, "subject"),
                                                      form_text(form, "body")), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def reset_template(self, kind: str, channel: str, loc: str):
        if self._do(lambda ctx: actions.reset_template(ctx, kind, channel, loc), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)

    @rx.event
    def save_reminder_hours(self, form: dict):
        hours = form_text(form, "hours")
        if self._do(lambda ctx: actions.set_reminder_hours(ctx, hours), t("manage.saved", self._loc())):
            self._attempt(self._load, self.notice_text)


class SubscriptionState(ManageState):
    plan: dict[str, str] = {}
    usage: dict[str, dict[str, str]] = {}
    sms: dict[str, str] = {}
    banners: list[str] = []
    plans: list[dict[str, str]] = []

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        data = self._attempt(actions.subscription_data)
        if data is not None:
            self.plan, self.usage, self.plans = data["plan"], data["usage"], data["plans"]
            self.sms, self.banners = data["sms"], data["banners"]
        outcome = self.router.url.query_parameters.get("checkout", "")
        if outcome in ("success", "cancelled"):
            self.notice_text = t(f"manage.subscription.checkout_{outcome}", self._loc())

    @rx.event
    def upgrade(self, plan_id: str):
        base = get_settings().public_base_url.rstrip("/")
        url = self._attempt(lambda ctx: actions.start_upgrade(ctx, parse_id(plan_id), base, self.store_query))
        if url:
            return rx.redirect(url, is_external=True)
