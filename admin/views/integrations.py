"""Webhook inbox (read-only, replayable), Calendly connections (write-only secrets), and the audit log."""

from __future__ import annotations

from typing import Any

from sqladmin import action
from sqladmin.filters import StaticValuesFilter
from starlette.requests import Request
from wtforms import PasswordField, validators

from admin.i18n import column_labels, label, text
from admin.views.base import MENU_INTEGRATIONS, HubModelView, ReadOnlyView
from admin.views.common import run_row_action
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.integrations.models import (
    CalendlyConnection, CalendlyConnectionState, CalendlyEventTypeLink, InboxStatus, WebhookEvent,
)
from hub_app.api.webhooks.intake import enqueue_recorded
from hub_app.domain.integrations.replay import reset_webhook_event
from workers.jobs import INBOX_APPLIERS
from hub_app.domain.secrets import mask

# Form field -> encrypted column. The form never receives the stored value back.
SECRET_FIELDS = {"new_token": "token_encrypted", "new_signing_key": "signing_key_encrypted"}


def dispatch_replay(event: WebhookEvent) -> str:
    """Queue the reset event at once. Should the queue refuse it (Redis down), the row is
    "received" again, so the inbox sweep (or, for EasySMS, the notification tick) sends it later."""
    job = INBOX_APPLIERS.get(event.provider)   # the same jobs the webhooks enqueue
    if job is None or not enqueue_recorded(job, event.id, event.provider):
        return text("replay_sweeper")
    return text("replay_enqueued")


class WebhookEventAdmin(ReadOnlyView, model=WebhookEvent):
    name = label("view.webhook_event", "Webhook event")
    name_plural = label("view.webhook_events", "Webhook inbox")
    icon = "fa-solid fa-inbox"
    category = MENU_INTEGRATIONS
    # Refused and given-up deliveries say why in the details (last_error); verified_by tells which
    # Stripe endpoint secret vouched for the delivery (platform or Connect).
    column_list = ["id", "provider", "event_type", "store_id", "status", "attempts", "received_at", "processed_at",
                   "verified_by"]
    column_searchable_list = ["event_id", "event_type"]
    column_sortable_list = ["id", "provider", "received_at", "status"]
    column_default_sort = ("received_at", True)
    column_filters = [StaticValuesFilter(WebhookEvent.status, [(s.value, s.value) for s in InboxStatus]),
                      StaticValuesFilter(WebhookEvent.provider, [("stripe", "stripe"), ("calendly", "calendly"),
                                                                ("easysms", "easysms")])]
    column_labels = column_labels("provider", "event_type", "store_id", "status", "attempts", "received_at",
                                  "processed_at", "last_error", "payload", "verified_by", "last_attempt_at")

    @action(name="replay", label=label("action.replay", "Replay"),
            confirmation_message=label("confirm.replay", "Process the selected events again?"))
    async def replay_action(self, request: Request):
        return await run_row_action(request, self, reset_webhook_event, "done.replayed", after=dispatch_replay)


class CalendlyConnectionAdmin(HubModelView, model=CalendlyConnection):
    name = label("view.calendly_connection", "Calendly connection")
    name_plural = label("view.calendly_connections", "Calendly connections")
    icon = "fa-solid fa-plug"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "state", "webhook_state", "last_synced_at", "last_error"]
    column_sortable_list = ["id", "store_id", "last_synced_at"]
    column_filters = [StaticValuesFilter(CalendlyConnection.state, [(s.value, s.value) for s in CalendlyConnectionState])]
    column_labels = column_labels("store_id", "state", "webhook_state", "last_synced_at", "last_error",
                                  "user_uri", "organization_uri", "new_token", "new_signing_key")
    form_columns = ["store_id", "state", "user_uri", "organization_uri", "webhook_subscription_uri", "webhook_state"]
    fk_selects = ("store_id",)

    def extra_form_fields(self, creating: bool) -> dict[str, Any]:
        hint = text("secret_hint")
        return {
            name: PasswordField(self._column_labels.get(name, name), description=hint,
                                validators=[validators.Optional(), validators.Length(max=4000)])
            for name in SECRET_FIELDS
        }

    def split_form_data(self, data: dict) -> tuple[dict, dict]:
        values, _ = super().split_form_data(data)
        return values, {column: data.get(field) or None for field, column in SECRET_FIELDS.items()}

    def detail_extras(self, obj: Any) -> list[tuple[str, str]]:
        return [(text("calendly_token"), mask(obj.token_encrypted)),
                (text("signing_key"), mask(obj.signing_key_encrypted))]


class CalendlyEventTypeLinkAdmin(HubModelView, model=CalendlyEventTypeLink):
    name = label("view.calendly_link", "Calendly event type")
    name_plural = label("view.calendly_links", "Calendly event types")
    icon = "fa-solid fa-diagram-project"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "name", "event_type_uri", "calendar_id", "service_id"]
    column_labels = column_labels("store_id", "name", "event_type_uri", "calendar_id", "service_id")
    form_columns = ["store_id", "name", "event_type_uri", "calendar_id", "service_id"]
    fk_selects = ("store_id", "calendar_id", "service_id")


class AuditEntryAdmin(ReadOnlyView, model=AuditEntry):
    name = label("view.audit_entry", "Audit entry")
    name_plural = label("view.audit_log", "Audit log")
    icon = "fa-solid fa-clipboard-list"
    category = MENU_INTEGRATIONS
    column_list = ["id", "at", "store_id", "actor_user_id", "actor_role", "entity_type", "entity_id", "action"]
    column_searchable_list = ["entity_type", "action"]
    column_sortable_list = ["id", "at", "entity_type"]
    column_default_sort = ("at", True)
    column_filters = [StaticValuesFilter(AuditEntry.actor_role, [("admin", "admin"), ("store_manager", "store_manager"),
                                                                 ("client", "client"), ("system", "system")])]
    column_labels = column_labels("at", "store_id", "actor_user_id", "actor_role", "entity_type", "entity_id",
                                  "action", "before", "after")
