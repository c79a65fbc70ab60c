"""Calendar sync (CalDAV, ICS import, feeds): read-only views with each connection's status.

The sync writes these rows; a manager changes them on the dashboard. The app password is an
`*_encrypted` column, which no view ever renders (admin.views.base); only whether one is set.
"""

from __future__ import annotations

from typing import Any

from sqladmin.filters import StaticValuesFilter

from admin.i18n import column_labels, label, text
from admin.views.base import MENU_INTEGRATIONS, ReadOnlyView
from hub_app.domain.calendar_sync.models import (
    CalendarConnection, CalendarFeed, CalendarSyncConflict, CalendarSyncEvent, CalendarSyncItem, CalendarSyncSource,
    ConnectionState,
)
from hub_app.domain.secrets import mask


class CalendarConnectionAdmin(ReadOnlyView, model=CalendarConnection):
    name = label("view.calendar_connection", "Calendar connection")
    name_plural = label("view.calendar_connections", "Calendar connections")
    icon = "fa-solid fa-calendar-check"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "calendar_id", "kind", "server_url", "state", "last_synced_at",
                   "last_pushed_at", "failures", "last_error"]
    column_sortable_list = ["id", "store_id", "last_synced_at", "failures"]
    column_filters = [StaticValuesFilter(CalendarConnection.state, [(s.value, s.value) for s in ConnectionState])]
    column_labels = column_labels("store_id", "calendar_id", "kind", "server_url", "state", "last_synced_at",
                                  "last_pushed_at", "failures", "last_error")

    def detail_extras(self, obj: Any) -> list[tuple[str, str]]:
        return [(text("app_password"), mask(obj.password_encrypted))]


class CalendarSyncSourceAdmin(ReadOnlyView, model=CalendarSyncSource):
    name = label("view.calendar_sync_source", "Busy source")
    name_plural = label("view.calendar_sync_sources", "Busy sources")
    icon = "fa-solid fa-calendar-minus"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "connection_id", "display_name", "remote_url"]
    column_labels = column_labels("store_id", "connection_id", "display_name", "remote_url")


class CalendarSyncItemAdmin(ReadOnlyView, model=CalendarSyncItem):
    name = label("view.calendar_sync_item", "Remote event")
    name_plural = label("view.calendar_sync_items", "Remote events")
    icon = "fa-solid fa-calendar-day"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "source_id", "uid", "own", "occurrences", "error"]
    column_labels = column_labels("store_id", "source_id", "uid", "own", "occurrences", "error")


class CalendarSyncEventAdmin(ReadOnlyView, model=CalendarSyncEvent):
    name = label("view.calendar_sync_event", "Written event")
    name_plural = label("view.calendar_sync_events", "Written events")
    icon = "fa-solid fa-calendar-plus"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "connection_id", "booking_id", "uid", "start_at", "end_at", "etag", "deleted"]
    column_sortable_list = ["id", "start_at"]
    column_labels = column_labels("store_id", "connection_id", "booking_id", "uid", "start_at", "end_at", "etag",
                                  "deleted")


class CalendarSyncConflictAdmin(ReadOnlyView, model=CalendarSyncConflict):
    name = label("view.calendar_sync_conflict", "Calendar conflict")
    name_plural = label("view.calendar_sync_conflicts", "Calendar conflicts")
    icon = "fa-solid fa-triangle-exclamation"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "booking_id", "summary", "start_at", "end_at", "resolved_at"]
    column_sortable_list = ["id", "start_at"]
    column_labels = column_labels("store_id", "booking_id", "summary", "start_at", "end_at", "resolved_at")


class CalendarFeedAdmin(ReadOnlyView, model=CalendarFeed):
    name = label("view.calendar_feed", "Calendar feed")
    name_plural = label("view.calendar_feeds", "Calendar feeds")
    icon = "fa-solid fa-rss"
    category = MENU_INTEGRATIONS
    column_list = ["id", "store_id", "calendar_id", "show_client_names", "created_at", "revoked_at"]
    column_labels = column_labels("store_id", "calendar_id", "show_client_names", "revoked_at")
