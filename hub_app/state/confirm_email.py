"""`/confirm-email?token=…`: the link sent to a new email address; opening it switches the account.

The rules (password asked before the link is sent, signed single-use link, notice to the old
address) are in hub_app.domain.accounts.email_change; this handler only shows the outcome.
"""

from __future__ import annotations

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.accounts.email_change import confirm_email_change
from hub_app.domain.errors import DomainError
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.state.session import SessionState


class ConfirmEmailState(SessionState):
    # "checking" → "done" or "refused" (expired, used or invalid link).
    confirm_status: str = "checking"
    confirm_message: str = ""

    @rx.event
    def open_confirmation(self):
        ctx = TenantContext.anonymous(locale=self._loc())
        token = self.router.url.query_parameters.get("token", "") or ""
        try:
            with unit_of_work(ctx) as db:
                user = confirm_email_change(db, ctx, token)
                email = user.email
        except DomainError as exc:
            self.confirm_status, self.confirm_message = "refused", exc.message
            return
        self.confirm_status = "done"
        self.confirm_message = t("confirm_email.done", self._loc(), email=email)
        self._current_user()
