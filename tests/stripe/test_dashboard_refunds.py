"""Partial refunds from the dashboard's booking detail, through the page state as the websocket
drives it, against the fake Stripe: the policy amount is pre-filled, a bad or too large amount is
refused next to the field, and a refund reaches Stripe and is listed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.accounts.service import open_session_token
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, PaymentStatus
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.bookings.state import BookingsState
from tests.page_states import open_page, run
from tests.stripe.helpers import load, rows
from tests.stripe.test_refunds import paid_booking


def manager_page(shop, locale: str = "en") -> BookingsState:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        manager = db.get(AppUser, shop.manager_id)
        token = open_session_token(db, manager, "198.51.100.7")
    page = open_page(BookingsState, path="/manage/bookings", token=token)
    page.locale = locale  # the language picked in the header
    run(page, "open_dashboard")
    assert page.dashboard_status == "ready"
    return page


def stripe_refund_amounts(shop) -> list[str]:
    return [r.params["amount"] for r in shop.fake.requests_to("POST", "/v1/refunds")]


def test_the_detail_prefills_the_policy_amount_and_a_partial_refund_goes_to_stripe(shop, worker):
    # Paid in full (€40, advance €10), starting within the 24 h cutoff: a client cancelling now
    # would get €30 back, so that is what the form proposes.
    booking_id = paid_booking(shop, worker, pay_full=True, start_in=timedelta(hours=5))
    page = manager_page(shop)
    run(page, "open_booking", str(booking_id))
    [charge] = page.charges
    assert charge["suggested"] == "30.00" and "40.00" in charge["left"] and charge["can_refund"] == "1"
    assert page.refunds_made == []

    run(page, "refund_selected", {"payment_id": charge["id"], "amount": "12.50", "reason": "late start"})
    assert page.error_text == "" and page.notice_text == "The refund was made."
    assert stripe_refund_amounts(shop) == ["1250"]
    [refund] = rows(select(Payment).where(Payment.booking_id == booking_id, Payment.kind == PaymentKind.REFUND))
    assert refund.amount == Decimal("12.50") and refund.status == PaymentRecordStatus.SUCCEEDED
    booking = load(Booking, booking_id)
    assert booking.amount_paid == Decimal("27.50") and booking.payment_status == PaymentStatus.PARTIAL
    # The page shows what is left and the refund made; the suggestion is now capped by the rest.
    [charge] = page.charges
    assert "27.50" in charge["left"] and charge["suggested"] == "17.50"
    assert [r["amount"] for r in page.refunds_made] == ["€12.50"]
    assert page.selected["payment_status"] == "partial"


def test_a_too_large_or_unreadable_amount_is_refused_next_to_the_field(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=False, start_in=timedelta(days=3))
    page = manager_page(shop, locale="el")
    run(page, "open_booking", str(booking_id))
    [charge] = page.charges
    assert charge["suggested"] == "10.00"  # before the cutoff: everything paid comes back

    run(page, "refund_selected", {"payment_id": charge["id"], "amount": "10.01", "reason": ""})
    assert "10.00" in page.refund_errors[charge["id"]] and page.refund_errors[charge["id"]].startswith("Μπορεί να επιστραφεί")
    run(page, "refund_selected", {"payment_id": charge["id"], "amount": "ten", "reason": ""})
    assert page.refund_errors[charge["id"]].startswith("Δώστε ποσό")
    run(page, "refund_selected", {"payment_id": charge["id"], "amount": "-5", "reason": ""})
    assert page.refund_errors[charge["id"]].startswith("Δώστε ποσό")
    assert stripe_refund_amounts(shop) == []

    # The rest, typed with a decimal comma as Greek keyboards do, refunds everything.
    run(page, "refund_selected", {"payment_id": charge["id"], "amount": "10,00", "reason": ""})
    assert page.refund_errors == {} and stripe_refund_amounts(shop) == ["1000"]
    assert load(Booking, booking_id).payment_status == PaymentStatus.REFUNDED
    [charge] = page.charges
    assert charge["can_refund"] == "" and len(page.refunds_made) == 1


def test_a_payment_of_another_booking_is_not_refunded_from_this_one(shop, worker):
    first = paid_booking(shop, worker, pay_full=True, start_in=timedelta(days=3))
    second = paid_booking(shop, worker, pay_full=True, start_in=timedelta(days=4))
    page = manager_page(shop)
    run(page, "open_booking", str(second))
    [other] = rows(select(Payment.id).where(Payment.booking_id == first, Payment.kind == PaymentKind.CHARGE))
    run(page, "refund_selected", {"payment_id": str(other), "amount": "1", "reason": ""})
    assert page.error_text and stripe_refund_amounts(shop) == []
