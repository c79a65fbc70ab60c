"""The dashboard's shared state: who acts, in which store, and the messages shown after an action."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import UserRole
from hub_app.domain.errors import DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from hub_app.domain.stores.access import store_for_dashboard, stores_for_admin
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.state.session import SessionState

T = TypeVar("T")


class ManageState(SessionState):
    # "loading" → "ready" (a store is open), "pick" (an admin chooses a store), "denied", "missing".
    dashboard_status: str = "loading"
    store_info: dict[str, str] = {}
    admin_stores: list[dict[str, str]] = []
    notice_text: str = ""
    error_text: str = ""
    field_errors: dict[str, str] = {}
    _open_store_id: int = 0

    @rx.var
    def store_query(self) -> str:
        """What every dashboard link carries so an admin stays in the store they opened."""
        slug = self.store_info.get("slug", "")
        return f"?store={slug}" if slug and self.user_role == UserRole.ADMIN.value else ""

    @rx.var
    def stripe_enabled(self) -> bool:
        return self.store_info.get("stripe_enabled", "") == "1"

    # --- acting ------------------------------------------------------------------------------

    def _manage_ctx(self) -> TenantContext:
        """The acting user's context in the open store, checked against the database now."""
        user = self._current_user()
        if user is None:
            raise NotAuthenticated(t("auth.not_signed_in", self._loc()))
        if user.role == UserRole.STORE_MANAGER:
            return self._context(user)  # pinned to the manager's own store
        if user.role == UserRole.ADMIN and self._open_store_id:
            return self._context(user, self._open_store_id)
        raise PermissionDenied(t("auth.forbidden", self._loc()))

    def _clear_messages(self) -> None:
        self.notice_text = self.error_text = ""
        self.field_errors = {}

    def _attempt(self, action: Callable[[TenantContext], T], success: str | None = None) -> T | None:
        """Run `action(ctx)`; a domain refusal becomes the message (and field errors) on the page."""
        self._clear_messages()
        try:
            result = action(self._manage_ctx())
        except ValidationFailed as exc:
            self.field_errors = dict(exc.fields)
            self.error_text = exc.message
            return None
        except DomainError as exc:
            self.error_text = exc.message
            return None
        if success:
            self.notice_text = success
        return result

    def _do(self, action: Callable[[TenantContext], object], success: str | None = None) -> bool:
        """Like `_attempt`, for changes: True when the domain accepted it."""
        done: list[bool] = []

        def run(ctx: TenantContext) -> None:
            action(ctx)
            done.append(True)

        self._attempt(run, success)
        return bool(done)

    def _store_facts(self, store) -> dict[str, str]:
        return {
            "id": str(store.id), "name": store.name, "slug": store.slug, "timezone": store.timezone,
            "currency": store.currency, "locale": store.locale, "stripe_enabled": "1" if store.stripe_enabled else "",
            "is_active": "1" if store.is_active else "",
        }

    def _refresh_store_info(self) -> None:
        def read(ctx: TenantContext) -> dict[str, str]:
            from hub_app.domain.stores.access import dashboard_store

            with unit_of_work(ctx) as db:
                return self._store_facts(dashboard_store(db, ctx))

        facts = self._attempt(read)
        if facts:
            self.store_info = facts

    # --- events ------------------------------------------------------------------------------

    @rx.event
    def open_dashboard(self):
        """Every /manage page starts here: sign-in check, then the store to work in."""
        self._clear_messages()
        user = self._current_user()
        path = self.router.url.path or "/manage"
        if user is None:
            return rx.redirect("/login?next=" + path)
        if user.role not in (UserRole.STORE_MANAGER, UserRole.ADMIN):
            self.dashboard_status = "denied"
            return
        slug = self.router.url.query_parameters.get("store", "")
        ctx = self._context(user)
        try:
            with unit_of_work(ctx) as db:
                store = store_for_dashboard(db, ctx, slug)
                choices = stores_for_admin(db, ctx) if store is None else []
        except DomainError:
            self.dashboard_status = "missing"
            return
        if store is None:
            self.admin_stores = [{"name": c.name, "slug": c.slug} for c in choices]
            self._open_store_id = 0
            self.store_info = {}
            self.dashboard_status = "pick"
            return
        self._open_store_id = store.id
        self.store_info = self._store_facts(store)
        self.dashboard_status = "ready"

    @rx.event
    def dismiss_messages(self):
        self._clear_messages()
