"""Global plans, store subscriptions, client subscriptions and payments (read-only, with refunds)."""

from __future__ import annotations

from typing import Any

from sqladmin import action
from sqladmin.filters import BooleanFilter, StaticValuesFilter
from starlette.requests import Request
from wtforms import validators

from admin.i18n import column_labels, label
from admin.views.base import MENU_BOOKINGS, MENU_PLANS, HubModelView, ReadOnlyView, run_domain
from admin.views.common import run_row_action
from admin.views.plan_standing import StandingFilter, standing_formatter
from hub_app.domain.billing.models import (
    Payment, PaymentKind, PaymentRecordStatus, ServiceSubscription, Subscription, SubscriptionPlan,
    SubscriptionStatus,
)
from hub_app.domain.platform.plans import deactivate_plan, delete_plan, save_plan
from hub_app.domain.billing.administration import refund_payment

_LIMIT = {"validators": [validators.Optional(), validators.NumberRange(min=0)]}


class SubscriptionPlanAdmin(HubModelView, model=SubscriptionPlan):
    name = label("view.plan", "Subscription plan")
    name_plural = label("view.plans", "Subscription plans")
    icon = "fa-solid fa-layer-group"
    category = MENU_PLANS
    column_list = ["id", "name", "is_free", "price_amount", "currency", "interval", "max_services", "max_calendars",
                   "max_bookings_per_month", "sms_included", "sms_overage", "sms_overage_price", "is_active",
                   "sort_order"]
    column_searchable_list = ["name"]
    column_sortable_list = ["id", "name", "price_amount", "sort_order"]
    column_default_sort = [("sort_order", False), ("id", False)]
    column_filters = [BooleanFilter(SubscriptionPlan.is_active)]
    column_labels = column_labels("name", "description", "price_amount", "currency", "interval", "max_services",
                                  "max_calendars", "max_bookings_per_month", "sms_included", "is_active",
                                  "sort_order", "is_free", "sms_overage", "sms_overage_price")
    form_columns = ["name", "description", "price_amount", "currency", "interval", "max_services",
                    "max_calendars", "max_bookings_per_month", "sms_included", "sms_overage", "sms_overage_price",
                    "is_free", "is_active", "sort_order"]
    form_args = {
        "price_amount": {"validators": [validators.InputRequired(), validators.NumberRange(min=0)]},
        "currency": {"validators": [validators.InputRequired(), validators.Length(min=3, max=3)]},
        "max_services": _LIMIT, "max_calendars": _LIMIT, "max_bookings_per_month": _LIMIT, "sms_included": _LIMIT,
        "sms_overage_price": {"validators": [validators.Optional(), validators.NumberRange(min=0)]},
    }

    async def insert_model(self, request: Request, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, save_plan, None, values)

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        values, _ = self.split_form_data(data)
        return await run_domain(request, save_plan, self._pk(pk), values)

    async def delete_model(self, request: Request, pk: Any) -> None:
        await run_domain(request, delete_plan, self._pk(pk))

    @action(name="deactivate", label=label("action.deactivate", "Deactivate"),
            confirmation_message=label("confirm.deactivate_plan", "Stop offering the selected plans? Stores on them keep them."))
    async def deactivate_action(self, request: Request):
        return await run_row_action(request, self, deactivate_plan, "done.deactivated")


class SubscriptionAdmin(HubModelView, model=Subscription):
    name = label("view.subscription", "Store subscription")
    name_plural = label("view.subscriptions", "Store subscriptions")
    icon = "fa-solid fa-file-invoice"
    category = MENU_PLANS
    column_list = ["id", "store_id", "plan_id", "status", "past_due_since", "start_date", "end_date",
                   "current_period_end", "cancel_at_period_end"]
    column_sortable_list = ["id", "store_id", "start_date", "status", "past_due_since"]
    column_filters = [StaticValuesFilter(Subscription.status, [(s.value, s.value) for s in SubscriptionStatus]),
                      StandingFilter()]
    # Past due: whether the store is still in its grace period or has the free plan's limits.
    column_formatters = {"past_due_since": standing_formatter}
    column_labels = {**column_labels("store_id", "plan_id", "status", "start_date", "end_date", "current_period_end",
                                     "cancel_at_period_end"), "past_due_since": label("col.standing", "Standing")}
    form_columns = ["store_id", "plan_id", "status", "start_date", "end_date", "current_period_end",
                    "cancel_at_period_end"]
    fk_selects = ("store_id", "plan_id")


class ServiceSubscriptionAdmin(ReadOnlyView, model=ServiceSubscription):
    """Clients' recurring services: created and updated by Stripe events only."""

    name = label("view.service_subscription", "Client subscription")
    name_plural = label("view.service_subscriptions", "Client subscriptions")
    icon = "fa-solid fa-repeat"
    category = MENU_PLANS
    column_list = ["id", "store_id", "client_user_id", "service_id", "interval", "status", "current_period_end"]
    column_sortable_list = ["id", "store_id", "status"]
    column_labels = column_labels("store_id", "client_user_id", "service_id", "interval", "status",
                                  "current_period_end")


class PaymentAdmin(ReadOnlyView, model=Payment):
    name = label("view.payment", "Payment")
    name_plural = label("view.payments", "Payments")
    icon = "fa-solid fa-credit-card"
    category = MENU_BOOKINGS
    column_list = ["id", "store_id", "user_id", "booking_id", "subscription_id", "kind", "amount", "currency",
                   "status", "payment_date"]
    column_searchable_list = ["stripe_payment_intent_id", "stripe_charge_id", "stripe_checkout_session_id",
                              "stripe_invoice_id"]
    column_sortable_list = ["id", "store_id", "amount", "payment_date", "status"]
    column_default_sort = ("payment_date", True)
    column_filters = [
        StaticValuesFilter(Payment.status, [(s.value, s.value) for s in PaymentRecordStatus]),
        StaticValuesFilter(Payment.kind, [(k.value, k.value) for k in PaymentKind]),
    ]
    column_labels = column_labels("store_id", "user_id", "booking_id", "subscription_id", "kind", "amount",
                                  "currency", "status", "payment_date")

    @action(name="refund", label=label("action.refund", "Refund"),
            confirmation_message=label("confirm.refund", "Refund the selected payments through Stripe?"))
    async def refund_action(self, request: Request):
        return await run_row_action(request, self, refund_payment, "done.refunded")
