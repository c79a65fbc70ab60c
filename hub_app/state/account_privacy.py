"""`/account`, Your data: download everything held about you, and erase your account."""

from __future__ import annotations

import reflex as rx

from hub_app.domain.errors import DomainError, ValidationFailed
from hub_app.domain.privacy.erase import ErasurePlan, erase_account, erasure_plan
from hub_app.domain.privacy.export import export_account
from hub_app.domain.privacy.export_files import export_zip, file_stem
from hub_app.i18n import format_datetime, format_money, t
from hub_app.state.session import SessionState


def plan_lines(plan: ErasurePlan, locale: str) -> tuple[list[str], list[str]]:
    """(future bookings to be cancelled, subscriptions to be stopped) as sentences."""
    future = [t("privacy.erase_future_row", locale, service=f.service, store=f.store,
                when=format_datetime(f.start_at, f.timezone, locale, "full"),
                refund=format_money(f.refund, f.currency, locale)) for f in plan.future_bookings]
    subscriptions = [f"{s.service} · {s.store}" for s in plan.subscriptions]
    return future, subscriptions


class AccountPrivacyState(SessionState):
    privacy_error: str = ""
    erase_open: bool = False
    erase_keep: str = ""
    erase_future: list[str] = []
    erase_subscriptions: list[str] = []
    erase_email_note: str = ""
    erase_errors: dict[str, str] = {}
    erased_message: str = ""   # shown after the erasure, when nobody is signed in any more

    @rx.event
    def download_my_data(self):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.privacy_error = ""
        try:
            document = export_account(self._context(user), user.id)
        except DomainError as exc:
            self.privacy_error = exc.message
            return
        return rx.download(data=export_zip(document, self._loc()), filename=f"{file_stem(document)}.zip",
                           mime_type="application/zip")

    @rx.event
    def open_erase(self):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.privacy_error, self.erase_errors = "", {}
        loc = self._loc()
        try:
            plan = erasure_plan(self._context(user), user.id)
        except DomainError as exc:
            self.privacy_error = exc.message
            return
        self.erase_future, self.erase_subscriptions = plan_lines(plan, loc)
        self.erase_keep = t("privacy.erase_keep", loc, bookings=plan.bookings_kept, payments=plan.payments_kept)
        self.erase_email_note = (t("privacy.erase_email_note", loc, email=user.email) if plan.email_sent
                                 else t("privacy.erase_no_email", loc))
        self.erase_open = True

    @rx.event
    def close_erase(self):
        self.erase_open = False
        self.erase_errors = {}

    @rx.event
    def erase(self, form_data: dict):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.privacy_error, self.erase_errors = "", {}
        try:
            erase_account(self._context(user), user.id, password=str(form_data.get("password") or ""),
                          confirmed=bool(form_data.get("confirm")))
        except ValidationFailed as exc:
            self.erase_errors = dict(exc.fields) or {"password": exc.message}
            return
        except DomainError as exc:
            self.privacy_error = exc.message
            return
        # Every session of the account ended with it.
        self.auth_token = ""
        self._forget_user()
        self.erase_open = False
        self.erased_message = t("privacy.erased_done", self._loc())
