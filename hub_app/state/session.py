"""Who is signed in, and in which language the pages speak.

The session token lives in the browser's localStorage (a page script cannot set an HttpOnly
cookie anyway) and is checked against the database with `user_for_token` by every handler that
acts for the user, so a revoked or expired session stops working at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator
from functools import lru_cache

import reflex as rx
from sqlalchemy.orm import Session

from hub_app.db import rescope, unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import authenticate, logout, update_profile, user_for_token
from hub_app.domain.accounts.signin_throttle import make_device_token
from hub_app.domain.errors import DomainError, NotAuthenticated, RateLimited, ValidationFailed
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES, catalog, normalize_locale
from hub_app.security.attempts import LOGIN, pace_page_attempt


@lru_cache
def translations(locale: str) -> dict[str, str]:
    """The whole catalog for `locale`, English filling any key the locale lacks."""
    merged = dict(catalog(DEFAULT_LOCALE))
    merged.update(catalog(locale))
    return merged


def safe_next_path(value: str | None) -> str | None:
    """A same-site path to return to after signing in; anything else is ignored (open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value


class SessionState(rx.State):
    auth_token: str = rx.LocalStorage("", name="hub_session", sync=True)
    # Signed proof that this browser signed in to the account before (kept after signing out):
    # others' failed sign-ins never slow it down (hub_app.domain.accounts.signin_throttle).
    device_token: str = rx.LocalStorage("", name="hub_device", sync=True)
    locale: str = rx.LocalStorage(DEFAULT_LOCALE, name="hub_locale", sync=True)
    user_name: str = ""
    user_role: str = ""

    @rx.var
    def tr(self) -> dict[str, str]:
        return translations(normalize_locale(self.locale))

    @rx.var
    def lang(self) -> str:
        return normalize_locale(self.locale)

    @rx.var
    def signed_in(self) -> bool:
        return self.user_role != ""

    # --- helpers used by every page state --------------------------------------------------

    def _loc(self) -> str:
        return normalize_locale(self.locale)

    def _current_user(self) -> AppUser | None:
        """The user behind the stored token, checked in the database now; clears a dead token."""
        if not self.auth_token:
            self._forget_user()
            return None
        with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
            return self._user_in(db)

    def _user_in(self, db: Session) -> AppUser | None:
        """`_current_user` read in a unit of work the caller already opened (one transaction for
        the session check and the work that follows, as the REST API's booking route does)."""
        if not self.auth_token:
            self._forget_user()
            return None
        user = user_for_token(db, self.auth_token)
        if user is None:
            self.auth_token = ""
            self._forget_user()
            return None
        self.user_name = user.full_name or user.email
        self.user_role = user.role.value
        return user

    @contextlib.contextmanager
    def _acting(self, store_id: int | None = None) -> Iterator[tuple[Session, AppUser | None, TenantContext]]:
        """One transaction for the session check and an event's work: yields the open session,
        the signed-in user (None when nobody is) and the context to act in, in `store_id`."""
        with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
            user = self._user_in(db)
            ctx = self._context(user, store_id)
            rescope(db, ctx)
            yield db, user, ctx

    def _forget_user(self) -> None:
        self.user_name = ""
        self.user_role = ""

    def _context(self, user: AppUser | None, store_id: int | None = None) -> TenantContext:
        if user is None:
            return TenantContext.anonymous(store_id, locale=self._loc())
        # The pages speak the language picked in the header, whatever the profile says.
        return dataclasses.replace(TenantContext.for_user(user, store_id), locale=self._loc())

    async def _paced_attempt(self, kind: str, account: str | None) -> str | None:
        """Count a sign-in or booking attempt against the limits the REST API applies (same counters
        in Redis): the "try again in N seconds" message when it is refused, else None, after holding
        it as long as the limits say (without blocking the event loop).

        The address is the connection's: our proxy-headers middleware has already replaced it with
        the forwarded one when the peer is in TRUSTED_PROXIES (Reflex's trusted_proxy_hops stays 0).
        """
        refused, delay = pace_page_attempt(kind, self.router.session.client_ip or None, account, self._loc())
        if delay:
            await asyncio.sleep(delay)
        return refused

    def _sign_in(self, email: str, password: str) -> str | None:
        """Open a session (the attempt was counted by `_paced_attempt`); returns an error message
        for the form, or None when signed in."""
        error: DomainError | None = None
        # Failed attempts must be committed (they throttle the next ones), so the domain error is
        # caught inside the unit of work instead of rolling it back.
        with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
            try:
                user, token = authenticate(db, email, password, ip=self.router.session.client_ip or None,
                                           locale=self._loc(), device_token=self.device_token or None)
            except (NotAuthenticated, RateLimited, ValidationFailed) as exc:
                error = exc
        if error is not None:
            return error.message
        self.auth_token = token
        self.device_token = make_device_token(user)
        self.user_name = user.full_name or user.email
        self.user_role = user.role.value
        return None

    def _checkout_redirect(self, user: AppUser, store_id: int, booking_id: int):
        """Open the payment page for a booking that waits for payment; returns the event or an error text."""
        from hub_app.domain.billing.checkout import start_booking_checkout  # only this action needs Stripe
        from hub_app.settings import get_settings

        base = get_settings().public_base_url.rstrip("/")
        ctx = self._context(user, store_id)
        try:
            # Its own short transactions, none of them open while Stripe answers.
            checkout = start_booking_checkout(ctx, booking_id, success_url=f"{base}/account?payment=success",
                                              cancel_url=f"{base}/account?payment=cancelled")
        except DomainError as exc:
            return exc.message
        # Same tab (window.location), as Stripe Checkout expects: `is_external=True` would call
        # window.open after the websocket round trip, which popup blockers stop.
        return rx.redirect(checkout.url)

    # --- events ----------------------------------------------------------------------------

    @rx.event
    def load_session(self):
        self._current_user()

    @rx.event
    def set_locale(self, value: str):
        if value not in SUPPORTED_LOCALES:
            return
        self.locale = value
        user = self._current_user()
        if user is not None:
            # Messages (reminders, receipts) then reach the person in the language they chose.
            try:
                with unit_of_work(self._context(user)) as db:
                    update_profile(db, self._context(user), {"locale": value})
            except DomainError:
                pass

    @rx.event
    def sign_out(self):
        if self.auth_token:
            with unit_of_work(TenantContext.anonymous(locale=self._loc())) as db:
                logout(db, self.auth_token)
        self.auth_token = ""
        self._forget_user()
        return rx.redirect("/")


class LoginState(SessionState):
    """The sign-in page shared by clients and managers."""

    # Nothing from the state pre-fills the email input: the state arrives after the page shows, so a
    # pre-fill (the tab's previous account) landed in the input while the person was typing and got
    # mixed into it. The input keeps what was typed across failed attempts by itself.
    login_error: str = ""

    @rx.event
    def open_login(self):
        self.login_error = ""
        self._current_user()

    @rx.event
    async def sign_in(self, form_data: dict):
        email = str(form_data.get("email") or "")
        self.login_error = (await self._paced_attempt(LOGIN, email)
                            or self._sign_in(email, str(form_data.get("password") or "")) or "")
        if self.login_error:
            return
        if self.user_role == UserRole.CLIENT.value:
            target = safe_next_path(self.router.url.query_parameters.get("next")) or "/account"
        else:
            target = "/manage"
        return rx.redirect(target)
