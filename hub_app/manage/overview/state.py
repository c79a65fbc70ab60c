"""State of /manage, the overview: today's and upcoming bookings and the figures of a period."""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx

from hub_app.domain.errors import DomainError
from hub_app.i18n import t
from hub_app.manage.overview import present
from hub_app.manage.shell.forms import form_text
from hub_app.manage.shell.present import store_today
from hub_app.manage.shell.state import ManageState

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
            today = store_today(ctx)
            self.last = today.isoformat()
            self.first = (today - timedelta(days=PERIODS.get(self.period, 30) - 1)).isoformat()
        data = present.overview_data(ctx, date.fromisoformat(self.first), date.fromisoformat(self.last))
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
