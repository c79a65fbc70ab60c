"""What stores offer and when: services, calendars, opening hours, overrides, blocks, slots."""

from __future__ import annotations

from typing import Any

from sqladmin.filters import BooleanFilter, StaticValuesFilter
from starlette.requests import Request

from admin.i18n import column_labels, label
from admin.views.base import MENU_SCHEDULING, HubModelView, ReadOnlyView, run_domain
from hub_app.domain.platform.catalog import admin_create_calendar, admin_save_service
from hub_app.domain.scheduling.models import (
    BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride, ExternalBusyTime, OpeningRule,
    PriceType, Service,
)

_COMMON = ("store_id", "calendar_id", "service_id", "name", "created_at", "start_at", "end_at",
           "start_time", "end_time", "reason", "is_active")


class ServiceAdmin(HubModelView, model=Service):
    name = label("view.service", "Service")
    name_plural = label("view.services", "Services")
    icon = "fa-solid fa-scissors"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "name", "duration_minutes", "price_type", "base_price_amount",
                   "payment_enabled", "is_recurring", "is_archived"]
    column_searchable_list = ["name", "description"]
    column_sortable_list = ["id", "store_id", "name", "base_price_amount", "duration_minutes"]
    column_default_sort = ("id", True)
    column_filters = [
        StaticValuesFilter(Service.price_type, [(p.value, p.value) for p in PriceType]),
        BooleanFilter(Service.payment_enabled), BooleanFilter(Service.is_archived),
    ]
    column_labels = column_labels(*_COMMON, "duration_minutes", "price_type", "base_price_amount",
                                  "payment_enabled", "is_recurring", "is_archived", "description")
    form_columns = [
        "store_id", "name", "description", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
        "slot_step_minutes", "min_persons", "max_persons", "capacity_persons", "price_type", "base_price_amount",
        "payment_enabled", "advance_payment_type", "advance_payment_amount", "is_recurring", "recurring_interval",
        "available_from", "available_until", "min_notice_minutes", "booking_horizon_days", "is_archived",
    ]
    fk_selects = ("store_id",)

    async def insert_model(self, request: Request, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, admin_save_service, None, values)

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, admin_save_service, self._pk(pk), values)


class CalendarAdmin(HubModelView, model=Calendar):
    name = label("view.calendar", "Calendar")
    name_plural = label("view.calendars", "Calendars")
    icon = "fa-solid fa-calendar"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "name", "priority", "is_active", "photo_thumbnail_path", "created_at"]
    column_searchable_list = ["name"]
    column_sortable_list = ["id", "store_id", "name", "priority"]
    column_filters = [BooleanFilter(Calendar.is_active)]
    column_labels = column_labels(*_COMMON, "color", "priority", "photo_path", "photo_thumbnail_path")
    # The photo is uploaded (and checked, re-encoded) on the dashboard's Calendars page.
    form_columns = ["store_id", "name", "color", "is_active", "priority"]
    form_args = {"priority": {"description": label("hint.calendar_priority")}}
    fk_selects = ("store_id",)

    async def insert_model(self, request: Request, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, admin_create_calendar, values)


class CalendarServiceAdmin(HubModelView, model=CalendarService):
    name = label("view.calendar_service", "Calendar service")
    name_plural = label("view.calendar_services", "Calendar services")
    icon = "fa-solid fa-link"
    category = MENU_SCHEDULING
    column_list = ["calendar_id", "service_id", "store_id", "last_assigned_turn"]
    column_labels = column_labels(*_COMMON, "last_assigned_turn")
    form_columns = ["store_id", "calendar_id", "service_id"]
    fk_selects = ("store_id", "calendar_id", "service_id")
    can_edit = False  # the row is its key: delete and add instead


class OpeningRuleAdmin(HubModelView, model=OpeningRule):
    name = label("view.opening_rule", "Opening rule")
    name_plural = label("view.opening_rules", "Opening rules")
    icon = "fa-solid fa-clock"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "calendar_id", "weekday", "start_time", "end_time"]
    column_sortable_list = ["id", "store_id", "calendar_id", "weekday", "start_time"]
    column_labels = column_labels(*_COMMON, "weekday")
    form_columns = ["store_id", "calendar_id", "weekday", "start_time", "end_time"]
    fk_selects = ("store_id", "calendar_id")


class DateOverrideAdmin(HubModelView, model=DateOverride):
    name = label("view.date_override", "Date override")
    name_plural = label("view.date_overrides", "Date overrides")
    icon = "fa-solid fa-calendar-day"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "calendar_id", "on_date", "start_time", "end_time", "reason"]
    column_sortable_list = ["id", "on_date"]
    column_default_sort = ("on_date", True)
    column_labels = column_labels(*_COMMON, "on_date")
    form_columns = ["store_id", "calendar_id", "on_date", "start_time", "end_time", "reason"]
    fk_selects = ("store_id", "calendar_id")


class BlockedPeriodAdmin(HubModelView, model=BlockedPeriod):
    name = label("view.block", "Block")
    name_plural = label("view.blocks", "Blocks")
    icon = "fa-solid fa-ban"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "calendar_id", "start_at", "end_at", "reason", "created_by_user_id"]
    column_sortable_list = ["id", "start_at"]
    column_default_sort = ("start_at", True)
    column_labels = column_labels(*_COMMON, "created_by_user_id")
    form_columns = ["store_id", "calendar_id", "start_at", "end_at", "reason"]
    fk_selects = ("store_id", "calendar_id")


class CalendarSlotAdmin(HubModelView, model=CalendarSlot):
    name = label("view.slot", "Slot")
    name_plural = label("view.slots", "Slots")
    icon = "fa-solid fa-table-cells"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "calendar_id", "start_time", "end_time", "capacity_available"]
    column_sortable_list = ["id", "start_time"]
    column_default_sort = ("start_time", True)
    column_labels = column_labels(*_COMMON, "capacity_available")
    form_columns = ["store_id", "calendar_id", "start_time", "end_time", "capacity_available"]
    fk_selects = ("store_id", "calendar_id")


class ExternalBusyTimeAdmin(ReadOnlyView, model=ExternalBusyTime):
    """Copied from Calendly by the sync; edited there, not here."""

    name = label("view.external_busy", "External busy time")
    name_plural = label("view.external_busy_times", "External busy times")
    icon = "fa-solid fa-cloud"
    category = MENU_SCHEDULING
    column_list = ["id", "store_id", "calendar_id", "source", "start_at", "end_at", "is_active"]
    column_sortable_list = ["id", "start_at"]
    column_labels = column_labels(*_COMMON)
