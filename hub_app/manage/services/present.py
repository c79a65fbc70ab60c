"""The services section: the list, the service form in and out, archive and delete."""

from __future__ import annotations

from hub_app.db import unit_of_work
from hub_app.domain.scheduling import service as scheduling
from hub_app.domain.scheduling import setup
from hub_app.domain.scheduling.models import PriceType
from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import format_money, t
from hub_app.manage.shell.forms import optional_day, switched_on, whole_number


def services_list(ctx: TenantContext) -> list[dict[str, str]]:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        services = scheduling.list_services(db, ctx, include_archived=True)
        names = {c.id: c.name for c in setup.calendars(db, ctx)}
        rows = []
        for s in services:
            cal_ids = setup.service_calendars(db, ctx, s.id)
            price = format_money(s.base_price_amount, store.currency, ctx.locale)
            rows.append({
                "id": str(s.id), "name": s.name, "duration": str(s.duration_minutes),
                "price": price if s.price_type == PriceType.FIXED else t(f"store.price_{s.price_type.value}", ctx.locale, price=price),
                "persons": f"{s.min_persons}–{s.max_persons}", "archived": "1" if s.is_archived else "",
                "calendars": ", ".join(names.get(c, "") for c in cal_ids),
                "bookings": str(setup.bookings_of_service(db, ctx, s.id)),
                "payment": "1" if s.payment_enabled else "",
            })
    return rows


def service_form(ctx: TenantContext, service_id: int | None) -> dict[str, str]:
    """The form's starting values: a service's settings, or a new service's defaults."""
    if service_id is None:
        return {"id": "", "name": "", "description": "", "duration_minutes": "60", "buffer_before_minutes": "0",
                "buffer_after_minutes": "0", "slot_step_minutes": "", "min_persons": "1", "max_persons": "1",
                "capacity_persons": "", "price_type": "fixed", "base_price_amount": "0.00", "available_from": "",
                "available_until": "", "min_notice_minutes": "", "booking_horizon_days": "", "payment_enabled": "",
                "advance_payment_type": "", "advance_payment_amount": "", "is_recurring": "", "recurring_interval": "",
                "calendar_ids": ""}
    with unit_of_work(ctx) as db:
        s = scheduling.get_service(db, ctx, service_id)
        cal_ids = setup.service_calendars(db, ctx, s.id)
    text = lambda v: "" if v is None else str(v)  # noqa: E731
    return {
        "id": str(s.id), "name": s.name, "description": s.description or "", "duration_minutes": str(s.duration_minutes),
        "buffer_before_minutes": str(s.buffer_before_minutes), "buffer_after_minutes": str(s.buffer_after_minutes),
        "slot_step_minutes": text(s.slot_step_minutes), "min_persons": str(s.min_persons),
        "max_persons": str(s.max_persons), "capacity_persons": str(s.capacity_persons),
        "price_type": s.price_type.value, "base_price_amount": str(s.base_price_amount),
        "available_from": text(s.available_from), "available_until": text(s.available_until),
        "min_notice_minutes": text(s.min_notice_minutes), "booking_horizon_days": text(s.booking_horizon_days),
        "payment_enabled": "1" if s.payment_enabled else "",
        "advance_payment_type": s.advance_payment_type.value if s.advance_payment_type else "",
        "advance_payment_amount": text(s.advance_payment_amount), "is_recurring": "1" if s.is_recurring else "",
        "recurring_interval": s.recurring_interval.value if s.recurring_interval else "",
        "calendar_ids": ",".join(str(c) for c in cal_ids),
    }


def service_input(form: dict, locale: str, stripe_enabled: bool) -> scheduling.ServiceInput:
    """Turn the submitted form into the scheduling service's input (whole numbers parsed here)."""
    calendar_ids = sorted(int(k[4:]) for k in form if k.startswith("cal_") and k[4:].isdigit() and switched_on(form, k))
    values = dict(
        name=str(form.get("name") or ""), description=str(form.get("description") or "").strip() or None,
        duration_minutes=whole_number(form, "duration_minutes", locale), price_type=str(form.get("price_type") or "fixed"),
        base_price_amount=str(form.get("base_price_amount") or "0").strip().replace(",", "."),
        min_persons=whole_number(form, "min_persons", locale, default=1), max_persons=whole_number(form, "max_persons", locale, default=1),
        capacity_persons=whole_number(form, "capacity_persons", locale, required=False),
        buffer_before_minutes=whole_number(form, "buffer_before_minutes", locale, default=0),
        buffer_after_minutes=whole_number(form, "buffer_after_minutes", locale, default=0),
        slot_step_minutes=whole_number(form, "slot_step_minutes", locale, required=False),
        available_from=optional_day(form, "available_from", locale), available_until=optional_day(form, "available_until", locale),
        min_notice_minutes=whole_number(form, "min_notice_minutes", locale, required=False),
        booking_horizon_days=whole_number(form, "booking_horizon_days", locale, required=False),
        calendar_ids=calendar_ids,
    )
    if stripe_enabled:
        advance_type = str(form.get("advance_payment_type") or "").strip() or None
        values.update(
            payment_enabled=switched_on(form, "payment_enabled"), advance_payment_type=advance_type,
            advance_payment_amount=(str(form.get("advance_payment_amount") or "").strip().replace(",", ".") or None)
            if advance_type else None,
            is_recurring=switched_on(form, "is_recurring"),
            recurring_interval=(str(form.get("recurring_interval") or "").strip() or None) if switched_on(form, "is_recurring") else None,
        )
    return scheduling.ServiceInput(**values)


def save_service(ctx: TenantContext, service_id: int | None, form: dict) -> int:
    with unit_of_work(ctx) as db:
        store = dashboard_store(db, ctx)
        data = service_input(form, ctx.locale, store.stripe_enabled)
        if service_id is None:
            service = scheduling.create_service(db, ctx, data)
        else:
            service = scheduling.update_service(db, ctx, service_id, data)
        setup.set_service_calendars(db, ctx, service.id, data.calendar_ids)
        return service.id


def archive_service(ctx: TenantContext, service_id: int, archived: bool) -> None:
    with unit_of_work(ctx) as db:
        scheduling.archive_service(db, ctx, service_id, archived)


def delete_service(ctx: TenantContext, service_id: int) -> None:
    with unit_of_work(ctx) as db:
        setup.delete_service(db, ctx, service_id)


def active_calendars(ctx: TenantContext) -> list[dict[str, str]]:
    """The calendars a service can be offered on: the store's active ones."""
    with unit_of_work(ctx) as db:
        return [{"id": str(c.id), "name": c.name} for c in setup.calendars(db, ctx) if c.is_active]
