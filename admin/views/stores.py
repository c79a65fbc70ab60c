"""Stores: details, policy, the Stripe switch, archiving; and their photos."""

from __future__ import annotations

from typing import Any

from sqladmin import action
from sqladmin.filters import BooleanFilter
from starlette.requests import Request
from wtforms import SelectField

from admin.i18n import column_labels, label
from admin.views.base import MENU_STORES, HubModelView, run_domain
from admin.views.common import run_row_action
from hub_app.domain.stores.administration import admin_update_store, archive_store, delete_store, set_store_payments
from hub_app.domain.bookings.assignment import RULES as ANYONE_RULES
from hub_app.domain.stores.models import Store, StorePhoto
from hub_app.domain.stores.service import ADMIN_ONLY_FIELDS, EDITABLE_FIELDS


def enable_payments(db, ctx, store_id: int) -> Store:
    return set_store_payments(db, ctx, store_id, True)


def disable_payments(db, ctx, store_id: int) -> Store:
    return set_store_payments(db, ctx, store_id, False)


class StoreAdmin(HubModelView, model=Store):
    name = label("view.store", "Store")
    name_plural = label("view.stores", "Stores")
    icon = "fa-solid fa-store"
    category = MENU_STORES
    # New stores are created together with their manager: see "New store + manager".
    can_create = False
    column_list = ["id", "name", "slug", "city", "manager_user_id", "stripe_enabled",
                   "current_subscription_plan_id", "is_active", "created_at"]
    column_searchable_list = ["name", "slug", "city", "email"]
    column_sortable_list = ["id", "name", "slug", "city", "created_at"]
    column_default_sort = ("id", True)
    column_filters = [BooleanFilter(Store.stripe_enabled), BooleanFilter(Store.is_active)]
    column_labels = column_labels("name", "slug", "city", "manager_user_id", "stripe_enabled",
                                  "current_subscription_plan_id", "is_active", "created_at", "timezone",
                                  "currency", "locale", "address", "country", "phone_number", "email", "description",
                                  "embed_domains", "embed_accent_color", "anyone_rule")
    form_columns = [
        "name", "slug", "address", "city", "country", "phone_number", "email", "description", "timezone",
        "locale", "currency", "cancellation_cutoff_hours", "min_notice_minutes", "booking_horizon_days",
        "payment_hold_minutes", "reminder_hours_before", "stripe_enabled", "is_active",
        "current_subscription_plan_id", "embed_domains", "embed_accent_color", "anyone_rule",
    ]
    fk_selects = ("current_subscription_plan_id",)
    form_args = {
        # A JSON list: ["https://salon.example"]. The domain checks each site (see rules.py).
        "embed_domains": {"description": label("hint.embed_domains")},
    }

    def extra_form_fields(self, creating: bool) -> dict[str, Any]:
        # Who takes a booking made for "anyone" (hub_app.domain.bookings.assignment).
        return {"anyone_rule": SelectField(self._column_labels.get("anyone_rule", "anyone_rule"),
                                           choices=[(rule, label(f"anyone_rule.{rule}", rule)) for rule in ANYONE_RULES],
                                           description=label("hint.anyone_rule"), validate_choice=False)}

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        allowed = EDITABLE_FIELDS | ADMIN_ONLY_FIELDS
        changes = {k: v for k, v in data.items() if k in allowed}
        if not changes.get("anyone_rule"):   # not sent: unchanged (the domain checks what is sent)
            changes.pop("anyone_rule", None)
        return await run_domain(request, admin_update_store, self._pk(pk), changes)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await run_domain(request, delete_store, self._pk(pk))

    @action(name="enable-payments", label=label("action.enable_payments", "Turn Stripe payments on"))
    async def enable_payments_action(self, request: Request):
        return await run_row_action(request, self, enable_payments, "done.payments_on")

    @action(name="disable-payments", label=label("action.disable_payments", "Turn Stripe payments off"),
            confirmation_message=label("confirm.disable_payments", "Clients of these stores will no longer be asked to pay. Continue?"))
    async def disable_payments_action(self, request: Request):
        return await run_row_action(request, self, disable_payments, "done.payments_off")

    @action(name="archive", label=label("action.archive", "Archive"),
            confirmation_message=label("confirm.archive_store", "Take the selected stores offline? Their history is kept."))
    async def archive_action(self, request: Request):
        return await run_row_action(request, self, archive_store, "done.archived")


class StorePhotoAdmin(HubModelView, model=StorePhoto):
    name = label("view.store_photo", "Store photo")
    name_plural = label("view.store_photos", "Store photos")
    icon = "fa-solid fa-image"
    category = MENU_STORES
    column_list = ["id", "store_id", "path", "position", "caption", "created_at"]
    column_sortable_list = ["id", "store_id", "position"]
    column_labels = column_labels("store_id", "path", "position", "caption", "created_at")
    form_columns = ["store_id", "path", "thumbnail_path", "content_type", "position", "caption"]
    fk_selects = ("store_id",)
