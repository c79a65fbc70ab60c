"""The outbox (read-only, failed messages can be retried) and each store's message templates."""

from __future__ import annotations

from sqladmin import action
from sqladmin.filters import StaticValuesFilter
from starlette.requests import Request

from admin.i18n import column_labels, label
from admin.views.base import MENU_MESSAGES, HubModelView, ReadOnlyView
from admin.views.common import run_row_action
from hub_app.domain.notifications.models import (
    Channel, Notification, NotificationKind, NotificationStatus, NotificationTemplate,
)
from hub_app.domain.platform.catalog import retry_notification


class NotificationAdmin(ReadOnlyView, model=Notification):
    name = label("view.notification", "Notification")
    name_plural = label("view.notifications", "Notifications")
    icon = "fa-solid fa-envelope"
    category = MENU_MESSAGES
    column_list = ["id", "store_id", "recipient_user_id", "booking_id", "type", "kind", "status", "attempts",
                   "sent_at", "created_at"]
    column_searchable_list = ["to_address", "subject", "external_message_id"]
    column_sortable_list = ["id", "store_id", "status", "created_at", "sent_at"]
    column_default_sort = ("id", True)
    column_filters = [
        StaticValuesFilter(Notification.status, [(s.value, s.value) for s in NotificationStatus]),
        StaticValuesFilter(Notification.type, [(c.value, c.value) for c in Channel]),
        StaticValuesFilter(Notification.kind, [(k.value, k.value) for k in NotificationKind]),
    ]
    column_labels = column_labels("store_id", "recipient_user_id", "booking_id", "type", "kind", "status",
                                  "attempts", "sent_at", "created_at", "subject", "body", "to_address",
                                  "last_error")

    @action(name="retry", label=label("action.retry", "Retry now"))
    async def retry_action(self, request: Request):
        return await run_row_action(request, self, retry_notification, "done.retried")


class NotificationTemplateAdmin(HubModelView, model=NotificationTemplate):
    name = label("view.notification_template", "Notification template")
    name_plural = label("view.notification_templates", "Notification templates")
    icon = "fa-solid fa-file-lines"
    category = MENU_MESSAGES
    column_list = ["id", "store_id", "kind", "channel", "locale", "enabled", "subject"]
    column_searchable_list = ["subject", "body"]
    column_sortable_list = ["id", "store_id", "kind", "channel", "locale"]
    column_labels = column_labels("store_id", "kind", "channel", "locale", "enabled", "subject", "body")
    form_columns = ["store_id", "kind", "channel", "locale", "enabled", "subject", "body"]
    fk_selects = ("store_id",)
