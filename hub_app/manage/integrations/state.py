"""State of /manage/integrations: the store's Calendly connection and Stripe payouts account.

Calls that wait on Calendly or Stripe run in a worker thread (`_call`), so the server keeps
answering other pages meanwhile. The Calendly token is read from the submitted form, handed to
the domain and dropped: it is never kept in this state nor sent back to the browser.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from hub_app.domain.errors import DomainError, ValidationFailed
from hub_app.i18n import t
from hub_app.manage.integrations import present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.state import ManageState
from hub_app.settings import get_settings

FAILED = object()  # what `_call` returns when the domain refused (None is a valid result)


class IntegrationsState(ManageState):
    calendly: dict[str, str] = {}
    event_types: list[dict[str, str]] = []
    calendars: list[dict[str, str]] = []
    services: list[dict[str, str]] = []
    # Where each hub calendar's bookings are written (CalDAV target), flagged when Calendly-linked
    # without one: Calendly would keep offering those times.
    write_targets: list[dict[str, str]] = []
    # Bumped after every Calendly action so the token field empties and the mapping selects
    # show the saved values again (they are uncontrolled inputs, keyed by this number).
    form_version: int = 0
    confirm_disconnect: bool = False
    payments: dict[str, str] = {}
    busy: str = ""  # the action waiting on Calendly or Stripe ("" when none)
    _listed: list[dict[str, str]] = []
    _links: list[dict[str, str]] = []

    @rx.var
    def calendly_connected(self) -> bool:
        return self.calendly.get("state", "") == "connected"

    async def _call(self, action: Callable[..., Any], *args, success: str | None = None) -> Any:
        """`action(ctx, *args)` in a thread; a domain refusal becomes the page's message (FAILED)."""
        self._clear_messages()
        try:
            ctx = self._manage_ctx()
            result = await asyncio.to_thread(action, ctx, *args)
        except ValidationFailed as exc:
            self.field_errors = dict(exc.fields)
            self.error_text = exc.message
            return FAILED
        except DomainError as exc:
            self.error_text = exc.message
            return FAILED
        finally:
            self.busy = ""
        if success:
            self.notice_text = success
        return result

    def _redraw(self) -> None:
        self.event_types = present.event_type_rows(self._listed, self._links, self.calendars, self.services)
        self.form_version += 1

    async def _reload_calendly(self) -> None:
        """The connection's status and mappings from the database (Calendly is not asked).

        The message of the action that led here stays unless the reload itself fails.
        """
        kept = (self.notice_text, self.error_text, self.field_errors)
        data = await self._call(present.calendly_status)
        if data is FAILED:
            return
        self.calendly, self.calendars, self.services = data["status"], data["calendars"], data["services"]
        self.write_targets = data["write_targets"]
        self._links = data["links"]
        if not self.calendly_connected:
            self._listed = []
        self._redraw()
        self.notice_text, self.error_text, self.field_errors = kept

    async def _fetch_event_types(self) -> None:
        """The connected account's event types, from Calendly (earlier messages stay on success)."""
        if not self.calendly_connected:
            return
        kept = (self.notice_text, self.error_text, self.field_errors)
        listed = await self._call(present.list_event_types)
        if listed is FAILED:
            self._listed = []
            failure = (self.error_text, self.field_errors)
            await self._reload_calendly()  # e.g. the token was revoked: the status says so now
            self.error_text, self.field_errors = failure
        else:
            self._listed = listed
            self.notice_text, self.error_text, self.field_errors = kept
        self._redraw()

    async def _payments(self, action: Callable[..., Any], success: str | None = None) -> None:
        result = await self._call(action, success=success)
        if result is not FAILED:
            self.payments = result

    # --- page load ---------------------------------------------------------------------------

    @rx.event
    async def load(self):
        if self.dashboard_status != "ready":
            return
        self.confirm_disconnect, self.busy = False, ""
        self.calendly, self.payments, self._listed, self.event_types = {}, {}, [], []
        outcome = self.router.url.query_parameters.get("stripe", "")
        if outcome == "refresh":  # the onboarding link expired or was used: Stripe asks for a new one
            url = await self._call(present.start_onboarding, self._base_url(), self.store_query)
            if url is not FAILED:
                yield rx.redirect(url)
                return
        await self._reload_calendly()
        if outcome == "return":
            await self._payments(present.refresh_onboarding, t("manage.integrations.stripe_back", self._loc()))
        else:
            await self._payments(present.payments_status)
        if self.calendly_connected:
            # Show what the database knows at once; the event types follow from Calendly.
            self.busy = "event-types"
            yield
            await self._fetch_event_types()

    # --- Calendly ----------------------------------------------------------------------------

    @rx.event
    async def connect(self, form: dict):
        token = form_text(form, "token")
        self.busy = "connect"
        yield
        listed = await self._call(present.connect, token, success=t("manage.integrations.connected", self._loc()))
        if listed is not FAILED:
            self._listed = listed
        await self._reload_calendly()

    @rx.event
    async def save_mapping(self, form: dict):
        name = form_text(form, "name")
        await self._call(present.map_event_type, form_text(form, "event_type_uri"),
                         parse_id(form_text(form, "calendar_id")), parse_id(form_text(form, "service_id")), name,
                         success=t("manage.integrations.mapped", self._loc(), name=name))
        await self._reload_calendly()

    @rx.event
    async def remove_mapping(self, uri: str, name: str):
        await self._call(present.unmap_event_type, uri,
                         success=t("manage.integrations.unmapped", self._loc(), name=name))
        await self._reload_calendly()

    @rx.event
    async def refresh_webhook(self):
        self.busy = "webhook"
        yield
        state = await self._call(present.refresh_webhook)
        if state is not FAILED:
            self.notice_text = t("manage.integrations.webhook_checked", self._loc(),
                                 state=t(f"manage.integrations.webhook.{state or 'none'}", self._loc()))
        await self._reload_calendly()

    @rx.event
    async def sync_now(self):
        self.busy = "sync"
        yield
        summary = await self._call(present.sync_now)
        if summary is not FAILED:
            self.notice_text = summary
        await self._reload_calendly()

    @rx.event
    def ask_disconnect(self, value: bool):
        self.confirm_disconnect = bool(value)

    @rx.event
    async def disconnect(self):
        self.confirm_disconnect = False
        self.busy = "disconnect"
        yield
        await self._call(present.disconnect, success=t("manage.integrations.disconnected", self._loc()))
        await self._reload_calendly()

    # --- Stripe ------------------------------------------------------------------------------

    def _base_url(self) -> str:
        return get_settings().public_base_url.rstrip("/")

    @rx.event
    async def start_onboarding(self):
        self.busy = "stripe"
        yield
        url = await self._call(present.start_onboarding, self._base_url(), self.store_query)
        if url is not FAILED:
            # The same tab: Stripe sends the manager back to this page when they are done.
            yield rx.redirect(url)

    @rx.event
    async def refresh_payments(self):
        self.busy = "stripe-refresh"
        yield
        await self._payments(present.refresh_onboarding, t("manage.integrations.stripe_refreshed", self._loc()))
