"""Global subscription plans: validated create/edit, deactivation, and deletes that never strand a store."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, snapshot
from hub_app.domain.billing.models import PlanInterval, SmsOverage, Subscription, SubscriptionPlan
from hub_app.domain.errors import Conflict, NotFound, ValidationFailed, unknown_fields
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t

PLAN_FIELDS = (
    "name", "description", "price_amount", "currency", "interval", "max_services", "max_calendars",
    "max_bookings_per_month", "sms_included", "is_active", "sort_order", "is_free", "sms_overage",
    "sms_overage_price",
)
LIMIT_FIELDS = ("max_services", "max_calendars", "max_bookings_per_month", "sms_included")
MAX_PRICE = Decimal("100000000")


def validate_plan(values: dict, locale: str | None = None, partial: bool = False) -> dict:
    """Check every field and report all problems at once. Empty limits mean "unlimited"."""
    unknown = set(values) - set(PLAN_FIELDS)
    if unknown:
        raise unknown_fields(unknown, locale)
    errors: dict[str, str] = {}
    clean: dict = {}
    required = () if partial else ("name", "price_amount", "interval")
    for name in required:
        if values.get(name) in (None, ""):
            errors[name] = t("validation.required", locale)
    if "name" in values and "name" not in errors:
        name = str(values["name"] or "").strip()
        if not name:
            errors["name"] = t("validation.required", locale)
        clean["name"] = name[:100]
    if "description" in values:
        clean["description"] = (str(values["description"]).strip() or None) if values["description"] is not None else None
    if values.get("price_amount") not in (None, ""):
        try:
            price = Decimal(str(values["price_amount"])).quantize(Decimal("0.01"))
            if price < 0 or price >= MAX_PRICE:
                raise InvalidOperation
            clean["price_amount"] = price
        except (InvalidOperation, ValueError):
            errors["price_amount"] = t("admin.plan_price", locale)
    if "currency" in values:
        currency = str(values["currency"] or "").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            errors["currency"] = t("validation.currency", locale)
        clean["currency"] = currency
    if values.get("interval") not in (None, ""):
        try:
            clean["interval"] = PlanInterval(getattr(values["interval"], "value", values["interval"]))
        except ValueError:
            errors["interval"] = t("admin.plan_interval", locale)
    for name in LIMIT_FIELDS + ("sort_order",):
        if name not in values:
            continue
        raw = values[name]
        if raw in (None, ""):
            clean[name] = 0 if name == "sort_order" else None
            continue
        try:
            number = raw if isinstance(raw, int) else int(str(raw).strip())
            if number < 0:
                raise ValueError
            clean[name] = number
        except (TypeError, ValueError):
            errors[name] = t("validation.not_negative", locale)
    if "is_active" in values:
        clean["is_active"] = bool(values["is_active"])
    if "is_free" in values:
        clean["is_free"] = bool(values["is_free"])
    if values.get("sms_overage") not in (None, ""):
        try:
            clean["sms_overage"] = SmsOverage(getattr(values["sms_overage"], "value", values["sms_overage"]))
        except ValueError:
            errors["sms_overage"] = t("admin.plan_sms_overage", locale)
    if "sms_overage_price" in values:
        raw = values["sms_overage_price"]
        try:
            price = None if raw in (None, "") else Decimal(str(raw)).quantize(Decimal("0.01"))
            if price is not None and not (0 <= price < MAX_PRICE):
                raise InvalidOperation
            clean["sms_overage_price"] = price
        except (InvalidOperation, ValueError):
            errors["sms_overage_price"] = t("admin.plan_price", locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return clean


def save_plan(db: Session, ctx: TenantContext, plan_id: int | None, values: dict) -> SubscriptionPlan:
    """Create (plan_id None) or edit a plan. Stripe prices are kept in sync by the billing area."""
    require(ctx, Feature.SET_PLANS)
    clean = validate_plan(values, ctx.locale, partial=plan_id is not None)
    if clean.get("is_free"):
        _unflag_free_plans(db, ctx, keep=plan_id)
    if plan_id is None:
        plan = SubscriptionPlan(**clean)
        db.add(plan)
        before = None
    else:
        plan = _plan(db, ctx, plan_id)
        if plan.is_free and clean.get("is_free") is False:
            # Without a free plan, stores without a paid one would have no limits at all.
            raise Conflict(t("admin.free_plan_delete", ctx.locale))
        before = snapshot(plan)
        for name, value in clean.items():
            setattr(plan, name, value)
    if plan.is_free and plan.price_amount != 0:
        raise ValidationFailed(t("admin.free_plan_price", ctx.locale),
                               fields={"price_amount": t("admin.free_plan_price", ctx.locale)})
    db.flush()
    record(db, ctx, entity=plan, action="created" if before is None else "updated", before=before, after=snapshot(plan))
    return plan


def _unflag_free_plans(db: Session, ctx: TenantContext, keep: int | None) -> None:
    """There is one free plan: flagging a plan free unflags the one before (before the new flag is
    written, which the unique index would refuse)."""
    for other in db.scalars(select(SubscriptionPlan).where(SubscriptionPlan.is_free.is_(True))):
        if other.id != keep:
            other.is_free = False
            db.flush()
            record(db, ctx, entity=other, action="updated", before={"is_free": True}, after={"is_free": False})


def deactivate_plan(db: Session, ctx: TenantContext, plan_id: int) -> SubscriptionPlan:
    """No longer offered to new stores; stores already on it keep it."""
    return save_plan(db, ctx, plan_id, {"is_active": False})


def plan_usage(db: Session, plan_id: int) -> dict[str, int]:
    return {
        "stores": db.scalar(select(func.count()).select_from(Store).where(Store.current_subscription_plan_id == plan_id)) or 0,
        "subscriptions": db.scalar(select(func.count()).select_from(Subscription).where(Subscription.plan_id == plan_id)) or 0,
    }


def delete_plan(db: Session, ctx: TenantContext, plan_id: int) -> None:
    require(ctx, Feature.SET_PLANS)
    plan = _plan(db, ctx, plan_id)
    if plan.is_free:
        raise Conflict(t("admin.free_plan_delete", ctx.locale))
    usage = plan_usage(db, plan.id)
    if any(usage.values()):
        raise Conflict(t("admin.plan_in_use", ctx.locale, **usage))
    before = snapshot(plan)
    db.delete(plan)
    db.flush()
    record(db, ctx, entity=plan, action="deleted", before=before)


def _plan(db: Session, ctx: TenantContext, plan_id: int) -> SubscriptionPlan:
    plan = db.get(SubscriptionPlan, plan_id)
    if plan is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    return plan
