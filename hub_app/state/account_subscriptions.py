"""`/account`, Subscriptions: the client's recurring services in every store, and cancelling one."""

from __future__ import annotations

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.billing.service_subscription_views import my_subscription_stores, my_subscriptions_in_store
from hub_app.domain.billing.subscriptions import cancel_service_subscription
from hub_app.domain.errors import DomainError, PermissionDenied
from hub_app.i18n import t
from hub_app.state.session import SessionState
from hub_app.state.subscription_rows import subscription_row


class AccountSubscriptionsState(SessionState):
    subscriptions: list[dict[str, str]] = []
    subscription_message: str = ""
    subscription_error: str = ""
    confirm_cancel_subscription: str = ""   # the subscription whose "really cancel?" question is shown

    @rx.event
    def load_subscriptions(self):
        self.subscription_message = self.subscription_error = self.confirm_cancel_subscription = ""
        outcome = self.router.url.query_parameters.get("subscription", "")
        if outcome in ("success", "cancelled"):
            self.subscription_message = t(f"subscription.checkout_{outcome}", self._loc())
        self._load()

    def _load(self) -> None:
        user = self._current_user()
        if user is None:
            self.subscriptions = []
            return
        rows = []
        try:
            with unit_of_work(self._context(user)) as db:
                stores = my_subscription_stores(db, self._context(user))
        except PermissionDenied:   # staff have no subscriptions of their own
            stores = []
        for store_id in stores:
            ctx = self._context(user, store_id)
            with unit_of_work(ctx) as db:
                rows += [subscription_row(view, self._loc()) for view in my_subscriptions_in_store(db, ctx)]
        self.subscriptions = rows

    @rx.event
    def ask_cancel_subscription(self, subscription_id: str):
        self.confirm_cancel_subscription = str(subscription_id)

    @rx.event
    def cancel_subscription(self, subscription_id: str):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        row = next((r for r in self.subscriptions if r["id"] == str(subscription_id)), None)
        self.confirm_cancel_subscription = ""
        if row is None:
            return
        ctx = self._context(user, int(row["store_id"]))
        try:
            with unit_of_work(ctx) as db:
                cancel_service_subscription(db, ctx, int(subscription_id))
        except DomainError as exc:
            self.subscription_error = exc.message
            return
        self.subscription_error = ""
        self.subscription_message = t("subscription.cancelled", self._loc(), service=row["service"])
        self._load()
