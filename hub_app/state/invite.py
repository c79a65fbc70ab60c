"""`/invite?token=…`: a person accepts a store's invitation, signed in or registering.

The rules (signed single-use links, the invited address, who may accept) are in
hub_app.domain.clients.invites; these handlers pass the form on and show the outcome.
"""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.accounts.service import ClientDetails, open_session_token
from hub_app.domain.clients.invites import accept_invite, accept_invite_registering, read_invite
from hub_app.domain.errors import DomainError, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.state.session import SessionState

FIELDS = ("first_name", "last_name", "phone", "address", "age", "password")


class InviteState(SessionState):
    # "checking" → "ready" (accept or register), "refused" (expired, used or invalid) or "done".
    invite_status: str = "checking"
    invite_store: str = ""
    invite_store_slug: str = ""
    invite_email: str = ""
    invite_error: str = ""
    invite_done: str = ""
    field_errors: dict[str, str] = {}

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "") or ""

    @rx.var
    def sign_in_path(self) -> str:
        return "/login?next=" + quote("/invite?token=" + self._token(), safe="")

    def _refuse(self, exc: DomainError) -> None:
        self.invite_status, self.invite_error = "refused", exc.message

    @rx.event
    def open_invite(self):
        self.invite_error, self.invite_done, self.field_errors = "", "", {}
        self._current_user()
        try:
            with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
                view = read_invite(db, self._token(), self._loc())
        except DomainError as exc:
            self._refuse(exc)
            return
        self.invite_status = "ready"
        self.invite_store, self.invite_store_slug, self.invite_email = view.store_name, view.store_slug, view.email

    def _finish(self) -> None:
        self.invite_status = "done"
        self.invite_done = t("invite.accepted", self._loc(), store=self.invite_store)

    def _failed(self, exc: DomainError) -> None:
        if isinstance(exc, ValidationFailed) and "reason" in exc.details:
            self._refuse(exc)  # the link itself: used or expired meanwhile
        else:
            self.invite_error, self.field_errors = exc.message, dict(exc.fields)

    @rx.event
    def accept(self):
        user = self._current_user()
        if user is None:
            return rx.redirect(self.sign_in_path)
        ctx = TenantContext.for_user(user)
        try:
            with unit_of_work(ctx) as db:
                accept_invite(db, ctx, self._token())
        except DomainError as exc:
            self._failed(exc)
            return
        self._finish()

    @rx.event
    def register_and_accept(self, form: dict):
        self.invite_error, self.field_errors = "", {}
        values = {name: str(form.get(name) or "").strip() for name in FIELDS}
        details = ClientDetails(email="", locale=self._loc(), **values)
        try:
            with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
                user = accept_invite_registering(db, self._token(), details)
                token = open_session_token(db, user, self.router.session.client_ip or None)
        except DomainError as exc:
            self._failed(exc)
            return
        self.auth_token = token  # signed in, as after registering inside a booking
        self._current_user()
        self._finish()
