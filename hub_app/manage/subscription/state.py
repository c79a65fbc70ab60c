"""State of /manage/subscription: the store's plan, its usage against the limits, and upgrading."""

from __future__ import annotations

import reflex as rx

from hub_app.i18n import t
from hub_app.manage.shell.forms import parse_id
from hub_app.manage.shell.state import ManageState
from hub_app.manage.subscription import present
from hub_app.settings import get_settings


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
        data = self._attempt(present.subscription_data)
        if data is not None:
            self.plan, self.usage, self.plans = data["plan"], data["usage"], data["plans"]
            self.sms, self.banners = data["sms"], data["banners"]
        outcome = self.router.url.query_parameters.get("checkout", "")
        if outcome in ("success", "cancelled"):
            self.notice_text = t(f"manage.subscription.checkout_{outcome}", self._loc())

    @rx.event
    def upgrade(self, plan_id: str):
        base = get_settings().public_base_url.rstrip("/")
        url = self._attempt(lambda ctx: present.start_upgrade(ctx, parse_id(plan_id), base, self.store_query))
        if url:
            return rx.redirect(url, is_external=True)
