"""The calendars section's "Who takes bookings" panel in a real browser: the manager picks the rule
for bookings made for anyone and puts the people in order, and clients see that order."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from hub_app.db import unit_of_work
from hub_app.domain.scheduling.models import Calendar
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.browser.accessibility import assert_accessible
from tests.browser.test_booking_staff_choice import make_team
from tests.browser.test_manage_dashboard import sign_in


def test_the_manager_chooses_the_rule_and_the_order(live_app, page, engine):
    slug, store_id, anna, nikos = make_team(engine)
    sign_in(page, live_app, f"manager-{slug}@example.com")
    page.goto(live_app.url("/manage/calendars"))
    panel = page.locator("#staff-choice")
    expect(panel.locator(".staff-order-row")).to_have_count(2)
    expect(panel.locator(".staff-order-row").first).to_contain_text("Anna Georgiou")
    assert_accessible(page, "calendars: who takes bookings")
    panel.get_by_label('When a client chooses "Anyone"').select_option("priority")
    page.locator("#save-anyone-rule").click()
    expect(page.locator("#manage-notice")).to_contain_text("Saved")
    panel.get_by_role("button", name="Move up: Nikos Pappas").click()
    expect(panel.locator(".staff-order-row").first).to_contain_text("Nikos Pappas")
    with unit_of_work(TenantContext.system(store_id), engine) as db:
        assert db.get(Store, store_id).anyone_rule == "priority"
        assert [c.id for c in db.scalars(select(Calendar).order_by(Calendar.priority))] == [nikos, anna]
    # Clients now see Nikos first.
    page.goto(live_app.url(f"/{slug}/book"))
    page.get_by_role("button", name=re.compile("Haircut")).click()
    expect(page.locator("#staff-list li").nth(1)).to_contain_text("Nikos Pappas")
