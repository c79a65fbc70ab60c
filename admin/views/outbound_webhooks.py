"""API keys and outbound webhooks: read-only views for the platform's support.

Managers make and change these on the dashboard; the admin sees each store's keys (never their
hashes), endpoints (never their signing secrets: only whether a rotation is in progress) and the
delivery log with every attempt.
"""

from __future__ import annotations

from typing import Any

from sqladmin.filters import StaticValuesFilter

from admin.i18n import column_labels, label, text
from admin.views.base import MENU_INTEGRATIONS, ReadOnlyView
from hub_app.domain.api_keys.models import ApiKey
from hub_app.domain.outbound_webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hub_app.domain.secrets import mask


class ApiKeyAdmin(ReadOnlyView, model=ApiKey):
    name = label("view.api_key", "API key")
    name_plural = label("view.api_keys", "API keys")
    icon = "fa-solid fa-key"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "name", "scope", "lookup", "created_at", "last_used_at", "revoked_at"]
    column_sortable_list = ["id", "store_id", "last_used_at"]
    column_labels = column_labels("store_id", "name", "scope", "lookup", "last_used_at", "revoked_at")


class WebhookEndpointAdmin(ReadOnlyView, model=WebhookEndpoint):
    name = label("view.webhook_endpoint", "Webhook endpoint")
    name_plural = label("view.webhook_endpoints", "Webhook endpoints")
    icon = "fa-solid fa-paper-plane"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "url", "event_types", "enabled", "created_at"]
    column_sortable_list = ["id", "store_id"]
    column_labels = column_labels("store_id", "url", "event_types", "enabled", "previous_secret_expires_at")

    def detail_extras(self, obj: Any) -> list[tuple[str, str]]:
        return [(text("signing_secret"), mask(obj.secret_encrypted))]


class WebhookDeliveryAdmin(ReadOnlyView, model=WebhookDelivery):
    name = label("view.webhook_delivery", "Webhook delivery")
    name_plural = label("view.webhook_deliveries", "Webhook deliveries")
    icon = "fa-solid fa-truck-fast"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "endpoint_id", "event_type", "event_id", "status", "attempts",
                   "last_status_code", "next_attempt_at", "delivered_at", "created_at"]
    column_sortable_list = ["id", "store_id", "created_at", "attempts"]
    column_filters = [StaticValuesFilter(WebhookDelivery.status, [(s.value, s.value) for s in DeliveryStatus])]
    column_labels = column_labels("store_id", "endpoint_id", "event_type", "event_id", "status", "attempts",
                                  "last_status_code", "next_attempt_at", "delivered_at", "last_error", "payload",
                                  "max_attempts")


class WebhookAttemptAdmin(ReadOnlyView, model=WebhookAttempt):
    name = label("view.webhook_attempt", "Webhook attempt")
    name_plural = label("view.webhook_attempts", "Webhook attempts")
    icon = "fa-solid fa-clock-rotate-left"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "delivery_id", "number", "status_code", "duration_ms", "error", "created_at"]
    column_sortable_list = ["id", "delivery_id", "created_at"]
    column_labels = column_labels("store_id", "delivery_id", "number", "status_code", "duration_ms", "error",
                                  "response_body")
