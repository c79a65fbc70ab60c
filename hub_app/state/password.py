"""`/set-password` (choose a password with an emailed link) and `/forgot-password` (ask for one).

The rules (signed single-use links, throttling, not revealing which emails have accounts) are in
hub_app.domain.accounts.recovery; these handlers only pass the form on and show the outcome.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.accounts import recovery
from hub_app.domain.errors import DomainError, RateLimited, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.state.session import SessionState


class SetPasswordState(SessionState):
    # "checking" → "ready" (the form), "refused" (expired, used or invalid link) or "done".
    link_status: str = "checking"
    link_email: str = ""
    link_purpose: str = ""
    link_error: str = ""
    form_error: str = ""
    field_errors: dict[str, str] = {}

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "") or ""

    def _refuse(self, exc: DomainError) -> None:
        self.link_status, self.link_error = "refused", exc.message

    @rx.event
    def open_link(self):
        self.link_email = self.link_purpose = self.link_error = self.form_error = ""
        self.field_errors = {}
        self._current_user()
        ctx = TenantContext.anonymous(locale=self._loc())
        try:
            with unit_of_work(ctx) as db:
                view = recovery.check_password_link(db, ctx, self._token())
        except DomainError as exc:
            self._refuse(exc)
            return
        self.link_status, self.link_email, self.link_purpose = "ready", view.email, view.purpose

    @rx.event
    def choose(self, form: dict):
        self.form_error, self.field_errors = "", {}
        ctx = TenantContext.anonymous(locale=self._loc())
        try:
            with unit_of_work(ctx) as db:
                recovery.choose_password(db, ctx, self._token(), str(form.get("password") or ""),
                                         str(form.get("confirm_password") or ""))
        except ValidationFailed as exc:
            if "reason" in exc.details:  # the link itself: expired, used meanwhile, or invalid
                self._refuse(exc)
            else:
                self.form_error, self.field_errors = exc.message, dict(exc.fields)
            return
        except DomainError as exc:
            self.form_error = exc.message
            return
        # Every session of the account was closed; this browser may have held one of them.
        self._current_user()
        self.link_status = "done"


class ForgotPasswordState(SessionState):
    reset_email: str = ""
    reset_error: str = ""
    reset_sent: str = ""  # the answer shown after asking (the same whether or not the account exists)

    @rx.event
    def open_forgot(self):
        self.reset_error = self.reset_sent = ""
        self._current_user()

    @rx.event
    def ask(self, form: dict):
        self.reset_email = str(form.get("email") or "").strip()
        self.reset_error = self.reset_sent = ""
        # System work inside the domain: the account's store is looked up across stores.
        ctx = dataclasses.replace(TenantContext.system(), locale=self._loc())
        try:
            with unit_of_work(ctx) as db:
                recovery.request_password_reset(db, ctx, self.reset_email, ip=self.router.session.client_ip or None)
        except (ValidationFailed, RateLimited) as exc:
            self.reset_error = exc.message
            return
        self.reset_sent = t("auth.reset_sent", self._loc(), email=self.reset_email)
