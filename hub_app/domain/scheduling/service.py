"""Managing what a store offers: calendars, weekly hours, blocks and services (with plan limits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record, record_change, snapshot
from hub_app.domain.billing.limits import limits_in_force
from hub_app.domain.errors import NotFound, PlanLimitReached, ValidationFailed, invalid_field
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.models import (
    AdvancePaymentType, BlockedPeriod, Calendar, CalendarService, CalendarSlot, DateOverride, OpeningRule, PriceType,
    RecurringInterval, Service,
)
from hub_app.domain.stores.models import Store
from hub_app.i18n import t
from hub_app.domain.tenancy import TenantContext


def _store(db: Session, ctx: TenantContext) -> Store:
    store = db.get(Store, ctx.store_id) if ctx.store_id is not None else None
    if store is None:
        raise NotFound(t("store.not_found", ctx.locale))
    return store


def check_plan_limit(db: Session, ctx: TenantContext, what: str) -> None:
    """Refuse to create one more service/calendar than the limits in force for the store allow
    (the paid plan's, or the free plan's without one or after a lapse)."""
    store = _store(db, ctx)
    limits = limits_in_force(db, store, with_history=False)
    limit = limits.limit(what)
    if limit is None:
        return
    model = Service if what == "services" else Calendar
    query = select(func.count()).select_from(model)
    if model is Service:
        query = query.where(Service.is_archived.is_(False))
    else:
        query = query.where(Calendar.is_active.is_(True))
    if (db.scalar(query) or 0) >= limit:
        if limits.plan is not limits.paid_plan:
            # On the free plan's limits: what the store has stays, nothing new beyond them.
            message = t("plan.free_limit_reached", ctx.locale, limit=limit, what=t(f"plan.what.{what}", ctx.locale))
        else:
            message = t(f"plan.limit_{what}", ctx.locale, plan=limits.plan.name, limit=limit)
        raise PlanLimitReached(message, limit=limit, what=what)


def get_calendar(db: Session, ctx: TenantContext, calendar_id: int) -> Calendar:
    cal = db.get(Calendar, calendar_id)
    # The tenant scoping makes another store's calendar invisible: it is simply not found.
    if cal is None or cal.store_id != ctx.store_id:
        raise NotFound(t("calendar.not_found", ctx.locale))
    return cal


def get_service(db: Session, ctx: TenantContext, service_id: int) -> Service:
    service = db.get(Service, service_id)
    if service is None or service.store_id != ctx.store_id:
        raise NotFound(t("service.not_found", ctx.locale))
    return service


def create_calendar(db: Session, ctx: TenantContext, name: str, color: str | None = None) -> Calendar:
    require(ctx, Feature.MANAGE_CALENDARS)
    if not (name or "").strip():
        raise ValidationFailed(t("validation.required", ctx.locale), fields={"name": t("validation.required", ctx.locale)})
    check_plan_limit(db, ctx, "calendars")
    # A new calendar goes last in the store's order (calendar.priority).
    last = db.scalar(select(func.max(Calendar.priority)))
    cal = Calendar(store_id=ctx.store_id, name=name.strip()[:200], color=color,
                   priority=(last + 1) if last is not None else 0)
    db.add(cal)
    db.flush()
    return cal


@dataclass
class HoursInput:
    weekday: int
    start: time
    end: time


def _parse_time(value: object, field_name: str, locale: str | None) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise invalid_field(field_name, "validation.time_format", locale)


def set_weekly_hours(db: Session, ctx: TenantContext, calendar_id: int, hours: list[dict | HoursInput]) -> list[OpeningRule]:
    """Replace a calendar's weekly opening intervals (local wall-clock times)."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    rules: list[OpeningRule] = []
    for i, item in enumerate(hours):
        data = item.__dict__ if isinstance(item, HoursInput) else item
        try:
            weekday = int(data["weekday"])
        except (KeyError, TypeError, ValueError):
            weekday = -1
        if not 0 <= weekday <= 6:
            raise invalid_field(f"{i}.weekday", "validation.weekday", ctx.locale)
        start = _parse_time(data.get("start"), f"{i}.start", ctx.locale)
        end = _parse_time(data.get("end"), f"{i}.end", ctx.locale)
        if start >= end:
            raise ValidationFailed(t("validation.time_range", ctx.locale), fields={f"{i}.end": t("validation.time_range", ctx.locale)})
        rules.append(OpeningRule(store_id=cal.store_id, calendar_id=cal.id, weekday=weekday, start_time=start, end_time=end))
    by_day: dict[int, list[OpeningRule]] = {}
    for rule in rules:
        by_day.setdefault(rule.weekday, []).append(rule)
    for day_rules in by_day.values():
        day_rules.sort(key=lambda r: r.start_time)
        for a, b in zip(day_rules, day_rules[1:]):
            if b.start_time < a.end_time:
                raise invalid_field("hours", "validation.hours_overlap", ctx.locale)
    db.execute(delete(OpeningRule).where(OpeningRule.calendar_id == cal.id))
    db.add_all(rules)
    db.flush()
    return rules


def add_block(db: Session, ctx: TenantContext, start: datetime, end: datetime,
              calendar_id: int | None = None, reason: str | None = None) -> BlockedPeriod:
    require(ctx, Feature.MANAGE_CALENDARS)
    if calendar_id is not None:
        get_calendar(db, ctx, calendar_id)
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid_field("start", "validation.offset_required", ctx.locale)
    if start >= end:
        raise ValidationFailed(t("validation.time_range", ctx.locale), fields={"end": t("validation.time_range", ctx.locale)})
    block = BlockedPeriod(store_id=ctx.store_id, calendar_id=calendar_id, start_at=start, end_at=end,
                          reason=(reason or "")[:200] or None, created_by_user_id=ctx.user_id)
    db.add(block)
    db.flush()
    return block


@dataclass
class ServiceInput:
    name: str
    duration_minutes: int
    price_type: str
    base_price_amount: Decimal | str
    description: str | None = None
    min_persons: int = 1
    max_persons: int = 1
    capacity_persons: int | None = None
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    slot_step_minutes: int | None = None
    calendar_ids: list[int] = field(default_factory=list)
    available_from: date | None = None
    available_until: date | None = None
    min_notice_minutes: int | None = None
    booking_horizon_days: int | None = None
    payment_enabled: bool = False
    advance_payment_type: str | None = None
    advance_payment_amount: Decimal | str | None = None
    is_recurring: bool = False
    recurring_interval: str | None = None


def _money(value: object, name: str, locale: str | None) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid_field(name, "validation.amount_format", locale)
    if amount < 0 or amount >= Decimal("100000000"):
        raise invalid_field(name, "validation.amount_range", locale)
    return amount


def validate_service(data: ServiceInput, store: Store, locale: str | None) -> dict:
    errors: dict[str, str] = {}
    if not (data.name or "").strip():
        errors["name"] = t("validation.required", locale)
    ints = {}
    for name in ("duration_minutes", "min_persons", "max_persons", "buffer_before_minutes", "buffer_after_minutes"):
        try:
            ints[name] = int(getattr(data, name))
        except (TypeError, ValueError):
            errors[name] = "Enter a whole number."
    if not errors:
        if not 0 < ints["duration_minutes"] <= 1440:
            errors["duration_minutes"] = "Between 1 and 1440 minutes."
        if ints["min_persons"] < 1:
            errors["min_persons"] = t("validation.positive", locale)
        if ints["max_persons"] < ints["min_persons"]:
            errors["max_persons"] = t("validation.persons_range", locale)
        if ints["buffer_before_minutes"] < 0 or ints["buffer_after_minutes"] < 0:
            errors["buffer_before_minutes"] = t("validation.not_negative", locale)
    capacity = data.capacity_persons if data.capacity_persons is not None else ints.get("max_persons", 1)
    if not errors and capacity < ints["max_persons"]:
        errors["capacity_persons"] = "Capacity must be at least the maximum persons per booking."
    if data.slot_step_minutes is not None and int(data.slot_step_minutes) <= 0:
        errors["slot_step_minutes"] = t("validation.positive", locale)
    try:
        price_type = PriceType(data.price_type)
    except ValueError:
        errors["price_type"] = "Choose fixed, per_hour or per_person."
        price_type = PriceType.FIXED
    try:
        price = _money(data.base_price_amount, "base_price_amount", locale)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        price = Decimal("0")
    advance_type = advance_amount = None
    if data.advance_payment_type:
        try:
            advance_type = AdvancePaymentType(data.advance_payment_type)
            advance_amount = _money(data.advance_payment_amount, "advance_payment_amount", locale)
            if advance_type == AdvancePaymentType.PERCENT and advance_amount > 100:
                errors["advance_payment_amount"] = "A percentage must be between 0 and 100."
            if advance_type == AdvancePaymentType.FIXED and price_type == PriceType.FIXED and advance_amount > price:
                errors["advance_payment_amount"] = "The advance payment cannot be more than the total."
        except ValueError:
            errors["advance_payment_type"] = "Choose fixed or percent."
        except ValidationFailed as exc:
            errors.update(exc.fields)
    recurring_interval = None
    if data.is_recurring:
        try:
            recurring_interval = RecurringInterval(data.recurring_interval)
        except ValueError:
            errors["recurring_interval"] = "Choose day, week, month or year."
    if (data.payment_enabled or advance_type or data.is_recurring) and not store.stripe_enabled:
        errors["payment_enabled"] = "Payments are not enabled for this store."
    if data.available_from and data.available_until and data.available_from > data.available_until:
        errors["available_until"] = t("validation.time_range", locale)
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    return dict(
        name=data.name.strip()[:200], description=data.description, price_type=price_type,
        base_price_amount=price, capacity_persons=capacity, slot_step_minutes=data.slot_step_minutes,
        available_from=data.available_from, available_until=data.available_until,
        min_notice_minutes=data.min_notice_minutes, booking_horizon_days=data.booking_horizon_days,
        payment_enabled=bool(data.payment_enabled), advance_payment_type=advance_type,
        advance_payment_amount=advance_amount, is_recurring=bool(data.is_recurring),
        recurring_interval=recurring_interval, **ints,
    )


def create_service(db: Session, ctx: TenantContext, data: ServiceInput) -> Service:
    require(ctx, Feature.MANAGE_SERVICES)
    store = _store(db, ctx)
    values = validate_service(data, store, ctx.locale)
    check_plan_limit(db, ctx, "services")
    calendars = [get_calendar(db, ctx, cid) for cid in data.calendar_ids]
    service = Service(store_id=store.id, **values)
    db.add(service)
    db.flush()
    for cal in calendars:
        db.add(CalendarService(calendar_id=cal.id, service_id=service.id, store_id=store.id))
    record(db, ctx, entity=service, action="created", after=snapshot(service))
    db.flush()
    return service


def service_calendar_ids(db: Session, service_id: int) -> list[int]:
    return list(db.scalars(select(CalendarService.calendar_id).where(CalendarService.service_id == service_id)))


def list_calendars(db: Session, ctx: TenantContext, include_inactive: bool = False) -> list[Calendar]:
    query = select(Calendar).order_by(Calendar.name, Calendar.id)
    if not include_inactive:
        query = query.where(Calendar.is_active.is_(True))
    return list(db.scalars(query))


def list_services(db: Session, ctx: TenantContext, include_archived: bool = False) -> list[Service]:
    """The store's services (public: the store page lists them); archived ones only on request."""
    _store(db, ctx)
    query = select(Service).order_by(Service.name, Service.id)
    if not include_archived:
        query = query.where(Service.is_archived.is_(False))
    return list(db.scalars(query))


def weekly_hours(db: Session, ctx: TenantContext, calendar_id: int) -> list[OpeningRule]:
    cal = get_calendar(db, ctx, calendar_id)
    return list(db.scalars(select(OpeningRule).where(OpeningRule.calendar_id == cal.id)
                           .order_by(OpeningRule.weekday, OpeningRule.start_time)))


def set_date_override(db: Session, ctx: TenantContext, calendar_id: int, on_date: date,
                      hours: list[tuple[time | str, time | str]] | None = None,
                      reason: str | None = None) -> list[DateOverride]:
    """Replace a calendar's weekly hours on one local date: closed (no hours) or open at `hours`."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    intervals = []
    for i, (start, end) in enumerate(hours or []):
        start, end = _parse_time(start, f"{i}.start", ctx.locale), _parse_time(end, f"{i}.end", ctx.locale)
        if start >= end:
            raise ValidationFailed(t("validation.time_range", ctx.locale), fields={f"{i}.end": t("validation.time_range", ctx.locale)})
        intervals.append((start, end))
    intervals.sort()
    if any(b[0] < a[1] for a, b in zip(intervals, intervals[1:])):
        raise invalid_field("hours", "validation.hours_overlap", ctx.locale)
    db.execute(delete(DateOverride).where(DateOverride.calendar_id == cal.id, DateOverride.on_date == on_date))
    reason = (reason or "")[:200] or None
    rows = [DateOverride(store_id=cal.store_id, calendar_id=cal.id, on_date=on_date, start_time=s, end_time=e,
                         reason=reason) for s, e in intervals] or [
        DateOverride(store_id=cal.store_id, calendar_id=cal.id, on_date=on_date, reason=reason)]
    db.add_all(rows)
    db.flush()
    return rows


def clear_date_override(db: Session, ctx: TenantContext, calendar_id: int, on_date: date) -> None:
    """Back to the weekly hours on that date."""
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    db.execute(delete(DateOverride).where(DateOverride.calendar_id == cal.id, DateOverride.on_date == on_date))


def remove_block(db: Session, ctx: TenantContext, block_id: int) -> None:
    require(ctx, Feature.MANAGE_CALENDARS)
    block = db.get(BlockedPeriod, block_id)
    if block is None or block.store_id != ctx.store_id:
        raise NotFound(t("calendar.not_found", ctx.locale))
    db.delete(block)
    db.flush()


def add_calendar_slot(db: Session, ctx: TenantContext, calendar_id: int, start: datetime, end: datetime,
                      capacity: int | None = None) -> CalendarSlot:
    """An extra bookable window on an internal calendar (outside or beyond its weekly hours).

    `capacity` (persons) caps a group service inside this window; None keeps the service's own.
    """
    require(ctx, Feature.MANAGE_CALENDARS)
    cal = get_calendar(db, ctx, calendar_id)
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid_field("start", "validation.offset_required", ctx.locale)
    if start >= end:
        raise ValidationFailed(t("validation.time_range", ctx.locale), fields={"end": t("validation.time_range", ctx.locale)})
    if capacity is not None and capacity < 1:
        raise ValidationFailed(t("validation.positive", ctx.locale), fields={"capacity": t("validation.positive", ctx.locale)})
    slot = CalendarSlot(store_id=cal.store_id, calendar_id=cal.id, start_time=start, end_time=end,
                        capacity_available=capacity)
    db.add(slot)
    db.flush()
    return slot


def remove_calendar_slot(db: Session, ctx: TenantContext, slot_id: int) -> None:
    require(ctx, Feature.MANAGE_CALENDARS)
    slot = db.get(CalendarSlot, slot_id)
    if slot is None or slot.store_id != ctx.store_id:
        raise NotFound(t("calendar.not_found", ctx.locale))
    db.delete(slot)
    db.flush()


def update_service(db: Session, ctx: TenantContext, service_id: int, data: ServiceInput) -> Service:
    """Replace a service's settings (and, when given, its calendars). Existing bookings keep
    their times and prices."""
    require(ctx, Feature.MANAGE_SERVICES)
    store = _store(db, ctx)
    service = get_service(db, ctx, service_id)
    values = validate_service(data, store, ctx.locale)
    before = snapshot(service, tuple(values))
    for name, value in values.items():
        setattr(service, name, value)
    if data.calendar_ids:
        calendars = [get_calendar(db, ctx, cid) for cid in data.calendar_ids]
        db.execute(delete(CalendarService).where(CalendarService.service_id == service.id))
        for cal in calendars:
            db.add(CalendarService(calendar_id=cal.id, service_id=service.id, store_id=store.id))
    record_change(db, ctx, service, before)
    db.flush()
    return service


def archive_service(db: Session, ctx: TenantContext, service_id: int, archived: bool = True) -> Service:
    """Archived services are no longer bookable nor listed; their bookings stay."""
    require(ctx, Feature.MANAGE_SERVICES)
    service = get_service(db, ctx, service_id)
    if not archived and service.is_archived:
        check_plan_limit(db, ctx, "services")
    before = snapshot(service, ("is_archived",))
    service.is_archived = archived
    record_change(db, ctx, service, before, action="archived" if archived else "restored")
    db.flush()
    return service
