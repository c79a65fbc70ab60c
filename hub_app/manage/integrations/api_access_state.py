"""State of the dashboard's API keys and webhooks sections (on /manage/integrations).

A new key or signing secret is kept in `shown_secret` only until the manager dismisses it or
leaves the page: it is never read back from the database (only hashes or ciphertext are kept).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from hub_app.domain.outbound_webhooks.endpoints import ALL_EVENTS
from hub_app.i18n import t
from hub_app.manage.integrations import api_access_present as present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.state import ManageState


class ApiAccessState(ManageState):
    api_keys: list[dict[str, str]] = []
    endpoints: list[dict[str, str]] = []
    deliveries: list[dict[str, str]] = []
    delivery: dict[str, str] = {}
    delivery_attempts: list[dict[str, str]] = []
    # A key or signing secret just made: shown once, with what it is ("key" or "secret").
    shown_secret: str = ""
    shown_secret_kind: str = ""
    # Bumped after a successful form so its inputs empty (uncontrolled inputs keyed by it).
    form_version: int = 0

    def _reload(self) -> None:
        kept = (self.notice_text, self.error_text, self.field_errors)
        data = self._attempt(present.overview)
        if data is not None:
            self.api_keys, self.endpoints, self.deliveries = data["keys"], data["endpoints"], data["deliveries"]
            self.notice_text, self.error_text, self.field_errors = kept

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        self.shown_secret = self.shown_secret_kind = ""
        self.delivery, self.delivery_attempts = {}, []
        self._reload()

    @rx.event
    def dismiss_secret(self):
        self.shown_secret = self.shown_secret_kind = ""

    # --- API keys ------------------------------------------------------------------------------

    @rx.event
    def create_key(self, form: dict[str, Any]):
        name, scope = form_text(form, "name"), form_text(form, "scope")
        key = self._attempt(lambda ctx: present.create_key(ctx, name, scope),
                            t("manage.api.key_created", self._loc()))
        if key:
            self.shown_secret, self.shown_secret_kind = key, "key"
            self.form_version += 1
            self._reload()

    @rx.event
    def revoke_key(self, key_id: str):
        chosen = parse_id(key_id)
        if chosen is not None and self._do(lambda ctx: present.revoke_key(ctx, chosen),
                                           t("manage.api.key_revoked", self._loc())):
            self._reload()

    # --- webhook endpoints ---------------------------------------------------------------------

    @rx.event
    def create_endpoint(self, form: dict[str, Any]):
        url, description = form_text(form, "url"), form_text(form, "description")
        chosen = [name for name in ALL_EVENTS if form.get("event-" + name.replace(".", "-"))]
        secret = self._attempt(lambda ctx: present.create_endpoint(ctx, url, chosen, description),
                               t("manage.webhooks.created", self._loc()))
        if secret:
            self.shown_secret, self.shown_secret_kind = secret, "secret"
            self.form_version += 1
            self._reload()

    @rx.event
    def toggle_endpoint(self, endpoint_id: str, enable: bool):
        chosen = parse_id(endpoint_id)
        message = t("manage.webhooks.enabled_now" if enable else "manage.webhooks.disabled_now", self._loc())
        if chosen is not None and self._do(lambda ctx: present.set_enabled(ctx, chosen, enable), message):
            self._reload()

    @rx.event
    def rotate_secret(self, endpoint_id: str):
        chosen = parse_id(endpoint_id)
        if chosen is None:
            return
        secret = self._attempt(lambda ctx: present.rotate_secret(ctx, chosen), t("manage.webhooks.rotated", self._loc()))
        if secret:
            self.shown_secret, self.shown_secret_kind = secret, "secret"

    @rx.event
    def delete_endpoint(self, endpoint_id: str):
        chosen = parse_id(endpoint_id)
        if chosen is not None and self._do(lambda ctx: present.delete_endpoint(ctx, chosen),
                                           t("manage.webhooks.deleted", self._loc())):
            self.delivery, self.delivery_attempts = {}, []
            self._reload()

    # --- delivery log --------------------------------------------------------------------------

    @rx.event
    def refresh_log(self):
        self._clear_messages()
        self._reload()

    def _open(self, delivery_id: str) -> None:
        chosen = parse_id(delivery_id)
        if chosen is None:
            return
        detail = self._attempt(lambda ctx: present.delivery_detail(ctx, chosen))
        if detail is not None:
            self.delivery_attempts = detail.pop("attempts")
            self.delivery = detail

    @rx.event
    def open_delivery(self, delivery_id: str):
        self._open(delivery_id)

    @rx.event
    def close_delivery(self):
        self.delivery, self.delivery_attempts = {}, []

    @rx.event
    def resend(self, delivery_id: str):
        chosen = parse_id(delivery_id)
        if chosen is not None and self._do(lambda ctx: present.resend(ctx, chosen),
                                           t("manage.webhooks.resent", self._loc())):
            self._reload()
            if self.delivery.get("id") == delivery_id:
                kept = self.notice_text
                self._open(delivery_id)
                self.notice_text = kept
