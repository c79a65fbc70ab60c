"""A manager refunds part of a payment from the booking detail in a real browser: the amount is
pre-filled with what the cancellation policy gives back, a too large amount is refused next to
the field, and the refund made is listed. (Refunds through Stripe are covered against the fake
Stripe in tests/stripe/test_dashboard_refunds.py; this booking was paid at the counter.)"""

from __future__ import annotations

import os
from datetime import timedelta

from playwright.sync_api import Page, expect

from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.billing.service import mark_paid_at_store
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from tests.browser.client_seed import first_slot_on, make_salon, register_and_book, store_today
from tests.browser.test_greek_everywhere import sign_in


def test_a_partial_refund_from_the_booking_detail(live_app, page: Page, engine):
    salon = make_salon(engine, prefix="refund")
    start = first_slot_on(engine, salon, salon.haircut_id, store_today() + timedelta(days=3))
    booking_id = register_and_book(engine, salon, salon.haircut_id, start,
                                   email=f"eleni-{salon.slug}@example.com", password="eleni-pass-123")
    with unit_of_work(TenantContext.system(), engine) as db:
        manager = db.get(AppUser, db.get(Store, salon.store_id).manager_user_id)
        ctx = TenantContext.for_user(manager)
    with unit_of_work(ctx, engine) as db:
        charge_id = mark_paid_at_store(db, ctx, booking_id).id

    sign_in(page, live_app, f"manager-{salon.slug}@example.com", "manager-pass-123", r"/manage$")
    page.goto(live_app.url("/manage/bookings?view=list"))
    page.locator(f'[data-booking-id="{booking_id}"]').click()
    dialog = page.locator("#booking-dialog")
    charge = dialog.locator(f'.refund-charge[data-charge="{charge_id}"]')
    expect(charge).to_contain_text("Left to refund: €25.00")
    amount = charge.locator(f"#refund-amount-{charge_id}")
    expect(amount).to_have_value("25.00")  # three days ahead: a client cancelling now gets it all

    amount.fill("30")
    charge.get_by_role("button", name="Refund").click()
    expect(dialog.locator(f"#refund-amount-{charge_id}-error")).to_have_text("At most 25.00 can be refunded.")
    expect(amount).to_have_attribute("aria-invalid", "true")

    amount.fill("10")
    charge.locator(f"#refund-reason-{charge_id}").fill("Shorter appointment")
    charge.get_by_role("button", name="Refund").click()
    expect(dialog.locator(".refund-made")).to_have_count(1)
    expect(dialog.locator(".refund-made")).to_contain_text("€10.00")
    expect(charge).to_contain_text("Left to refund: €15.00")
    expect(charge.locator(f"#refund-amount-{charge_id}")).to_have_value("15.00")
    expect(dialog).to_contain_text("The refund was made.")
    if os.environ.get("HUB_SCREENSHOT_DIR"):  # for a look at the layout
        dialog.screenshot(path=os.path.join(os.environ["HUB_SCREENSHOT_DIR"], "booking-refunds.png"))
