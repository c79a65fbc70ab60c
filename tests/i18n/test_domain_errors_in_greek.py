"""Domain refusals a Greek manager or client meets, raised for real and read in Greek: plan limits
for services and calendars, the generic permission messages, opening hours, unknown fields."""

from __future__ import annotations

import dataclasses
import re
from datetime import time
from decimal import Decimal

import pytest

from hub_app.domain.accounts.service import update_profile
from hub_app.domain.billing.models import PlanInterval, SubscriptionPlan
from hub_app.domain.errors import DomainError, NotAuthenticated, PermissionDenied, PlanLimitReached, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import act, build_shop
from tests.factories import make_client

GREEK = re.compile(r"[\u0370-\u03ff]")


def greek(error: DomainError) -> str:
    """The message and every field message are Greek (no English sentence left)."""
    texts = [error.message, *error.fields.values()]
    assert all(GREEK.search(text) for text in texts), texts
    return error.message


@pytest.fixture
def shop_el(db):
    shop = build_shop(db)
    act(db, TenantContext.system())
    plan = SubscriptionPlan(name="Μικρό", price_amount=Decimal("9.00"), interval=PlanInterval.MONTH,
                            max_services=1, max_calendars=1)
    db.add(plan)
    db.flush()
    shop.store.current_subscription_plan_id = plan.id
    db.flush()
    ctx = dataclasses.replace(shop.manager_ctx, locale="el")
    act(db, ctx)
    return shop, ctx


def test_plan_limits_for_services_and_calendars_speak_greek(db, shop_el):
    shop, ctx = shop_el
    with pytest.raises(PlanLimitReached) as services:
        create_service(db, ctx, ServiceInput(name="Βαφή", duration_minutes=30, price_type="fixed",
                                             base_price_amount="20.00", calendar_ids=[shop.calendars[0].id]))
    assert greek(services.value) == ("Το πακέτο σας «Μικρό» επιτρέπει 1 υπηρεσίες. "
                                     "Αναβαθμίστε το πακέτο για να προσθέσετε περισσότερες.")
    with pytest.raises(PlanLimitReached) as calendars:
        create_calendar(db, ctx, "Δεύτερη καρέκλα")
    assert "1 ημερολόγια" in greek(calendars.value)


def test_generic_permission_messages_speak_greek(db):
    with pytest.raises(NotAuthenticated) as anonymous:
        require(TenantContext.anonymous(locale="el"), Feature.MANAGE_BOOKINGS)
    assert greek(anonymous.value) == "Συνδεθείτε για να συνεχίσετε."
    act(db, TenantContext.system())
    client = make_client(db)
    with pytest.raises(PermissionDenied) as refused:
        require(dataclasses.replace(TenantContext.for_user(client), locale="el"), Feature.MANAGE_BOOKINGS)
    assert greek(refused.value) == "Δεν έχετε δικαίωμα για αυτή την ενέργεια."


def test_manager_form_errors_speak_greek(db, shop_el):
    shop, ctx = shop_el
    calendar_id = shop.calendars[0].id
    with pytest.raises(ValidationFailed) as overlap:
        set_weekly_hours(db, ctx, calendar_id, [{"weekday": 0, "start": time(9), "end": time(13)},
                                                {"weekday": 0, "start": time(12), "end": time(17)}])
    assert greek(overlap.value) == "Τα διαστήματα λειτουργίας μιας ημέρας δεν πρέπει να επικαλύπτονται."
    with pytest.raises(ValidationFailed) as bad_time:
        set_weekly_hours(db, ctx, calendar_id, [{"weekday": 0, "start": "nine", "end": "17:00"}])
    greek(bad_time.value)
    with pytest.raises(ValidationFailed) as bad_day:
        set_weekly_hours(db, ctx, calendar_id, [{"weekday": 9, "start": "09:00", "end": "17:00"}])
    greek(bad_day.value)
    with pytest.raises(ValidationFailed) as unknown:
        update_store(db, ctx, shop.store.id, {"colour_scheme": "pink"})
    assert greek(unknown.value).endswith("colour_scheme.") and set(unknown.value.fields) == {"colour_scheme"}


def test_a_client_editing_an_unknown_profile_field_reads_greek(db):
    act(db, TenantContext.system())
    client = make_client(db)
    ctx = dataclasses.replace(TenantContext.for_user(client), locale="el")
    act(db, ctx)
    with pytest.raises(ValidationFailed) as unknown:
        update_profile(db, ctx, {"role": "admin"})
    greek(unknown.value)
