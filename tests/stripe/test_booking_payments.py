"""Booking payments end to end: Connect, Checkout on the fake, signed webhooks, the worker."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.billing import checkout as opening
from hub_app.domain.billing import service as billing
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, BookingStatus, PaymentStatus
from hub_app.domain.errors import Conflict
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.settings import reset_settings_cache
from tests.stripe.helpers import load, pending_booking, rows


def checkout(shop, booking_id: int, **kw) -> opening.CheckoutStart:
    return opening.start_booking_checkout(shop.client_ctx(), booking_id, **kw)


def payments_of(booking_id: int) -> list[Payment]:
    return rows(select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id))


def test_onboarding_state_follows_account_updated(shop):
    store = load(Store, shop.store_id)
    assert store.stripe_account_id == shop.account_id
    assert store.stripe_onboarding_state == "complete"
    assert billing.payments_available(store) == (True, "")


def test_without_keys_payments_are_off_with_a_reason(shop, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    reset_settings_cache()
    ok, reason = billing.payments_available(load(Store, shop.store_id))
    assert not ok and "Stripe" in reason
    booking_id = pending_booking(shop)
    with pytest.raises(Conflict):
        checkout(shop, booking_id)


def test_advance_paid_through_checkout_confirms_the_booking(shop, worker):
    booking_id = pending_booking(shop)

    start = checkout(shop, booking_id)
    assert start.amount == Decimal("10.00") and start.url.startswith(shop.fake.url)
    # Asking again hands out the same open session instead of charging twice.
    assert checkout(shop, booking_id).session_id == start.session_id

    sent = shop.fake.requests_to("POST", "/v1/checkout/sessions")
    assert len(sent) == 1 and re.fullmatch(rf"booking-{booking_id}-checkout-v1-1000(-w\d+)?-u[0-9a-f]{{8}}",
                                        sent[0].idempotency_key)
    assert sent[0].stripe_account == shop.account_id and sent[0].params["metadata"]["booking_id"] == str(booking_id)

    shop.fake.pay_checkout_session(start.session_id)
    worker()

    booking = load(Booking, booking_id)
    assert booking.status == BookingStatus.CONFIRMED and booking.hold_expires_at is None
    assert booking.payment_status == PaymentStatus.PARTIAL and booking.amount_paid == Decimal("10.00")
    [payment] = payments_of(booking_id)
    assert payment.status == PaymentRecordStatus.SUCCEEDED and payment.amount == Decimal("10.00")
    assert payment.stripe_payment_intent_id.startswith("pi_") and payment.stripe_charge_id.startswith("ch_")
    assert payment.stripe_checkout_session_id == start.session_id

    # The balance, paid later by link: the booking becomes paid.
    balance = checkout(shop, booking_id)
    assert balance.amount == Decimal("30.00")
    shop.fake.pay_checkout_session(balance.session_id)
    worker()
    booking = load(Booking, booking_id)
    assert booking.payment_status == PaymentStatus.PAID and booking.amount_paid == Decimal("40.00")
    assert len(payments_of(booking_id)) == 2


def test_full_payment_in_a_zero_decimal_currency(shop, worker):
    booking_id = pending_booking(shop, total="4000.00", advance=None, currency="JPY")
    start = checkout(shop, booking_id, pay_full=True)
    sent = shop.fake.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.params["line_items"][0]["price_data"] == {
        "currency": "jpy", "unit_amount": "4000",
        "product_data": {"name": sent.params["line_items"][0]["price_data"]["product_data"]["name"]}}
    shop.fake.pay_checkout_session(start.session_id)
    worker()
    booking = load(Booking, booking_id)
    assert booking.payment_status == PaymentStatus.PAID and booking.amount_paid == Decimal("4000.00")


def test_failed_payment_releases_the_slot_and_closes_the_session(shop, worker):
    booking_id = pending_booking(shop)
    start = checkout(shop, booking_id)

    shop.fake.pay_checkout_session(start.session_id, succeed=False)
    worker()

    booking = load(Booking, booking_id)
    assert booking.status == BookingStatus.CANCELLED and booking.payment_status == PaymentStatus.UNPAID
    assert shop.fake.object(start.session_id)["status"] == "expired"
    [payment] = payments_of(booking_id)
    assert payment.status == PaymentRecordStatus.FAILED and "declined" in payment.failure_reason


def test_expired_checkout_releases_the_booking(shop, worker):
    booking_id = pending_booking(shop)
    start = checkout(shop, booking_id)
    fake = shop.fake
    with fake.lock:
        fake.expire_checkout_session(start.session_id, shop.account_id)
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CANCELLED


def test_hold_expiry_expires_the_session_and_a_late_payment_is_refunded(shop, worker):
    booking_id = pending_booking(shop, hold_minutes=15)
    start = checkout(shop, booking_id)
    fake = shop.fake
    # The client is still on the page: payment lands after the release (events held back).
    fake.auto_deliver = False
    ctx = TenantContext.system()
    with hub_db.unit_of_work(ctx) as db:
        assert billing.expire_payment_holds(db, ctx, now=utcnow() + timedelta(minutes=16)) == 1
    assert load(Booking, booking_id).status == BookingStatus.CANCELLED
    assert fake.object(start.session_id)["status"] == "expired"

    # Stripe had already taken the money in a race: the late payment is refunded at once.
    fake.object(start.session_id)["status"] = "open"
    fake.pay_checkout_session(start.session_id)
    for event in fake.held_events:
        if event["type"] != "checkout.session.expired":
            assert fake.deliver(event) == 200
    worker()
    booking = load(Booking, booking_id)
    assert booking.status == BookingStatus.CANCELLED and booking.payment_status == PaymentStatus.REFUNDED
    refund = [p for p in payments_of(booking_id) if p.kind == PaymentKind.REFUND]
    assert len(refund) == 1 and refund[0].amount == Decimal("10.00") and refund[0].stripe_refund_id.startswith("re_")


def test_manager_marks_the_balance_paid_at_the_store(shop, worker):
    booking_id = pending_booking(shop)
    start = checkout(shop, booking_id)
    shop.fake.pay_checkout_session(start.session_id)
    worker()
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        payment = billing.mark_paid_at_store(db, ctx, booking_id)
    assert payment.amount == Decimal("30.00") and payment.payment_method == "at_store"
    assert load(Booking, booking_id).payment_status == PaymentStatus.PAID


def test_hosted_checkout_page_pays_and_webhooks_arrive_over_http(shop, worker, webhook_server):
    import urllib.parse
    import urllib.request

    booking_id = pending_booking(shop)
    start = checkout(shop, booking_id, success_url="http://127.0.0.1:9/done?session_id={CHECKOUT_SESSION_ID}")
    page = urllib.request.urlopen(start.url, timeout=10).read().decode()
    assert 'id="pay"' in page and ">1000<" in page

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(start.url, data=urllib.parse.urlencode({"action": "pay"}).encode()),
                    timeout=10)
        raise AssertionError("the Pay button must redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 303
        assert redirect.headers["Location"] == f"http://127.0.0.1:9/done?session_id={start.session_id}"
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED
    assert {d.status for d in shop.fake.deliveries} == {200}


def test_a_retried_checkout_sends_the_same_expiry_under_the_same_key():
    """Stripe refuses a key reused with other parameters, so the expiry must not follow the clock."""
    now = datetime(2031, 3, 3, 10, 0, 5, tzinfo=timezone.utc)
    expiry, window = opening.checkout_expiry(None, now)
    assert (expiry, window) == opening.checkout_expiry(None, now + timedelta(seconds=590))  # same window
    assert expiry >= now + opening.CHECKOUT_MIN_LIFETIME and expiry - now < timedelta(minutes=42)
    later, later_window = opening.checkout_expiry(None, now + timedelta(minutes=10))
    assert later_window != window and later >= now + timedelta(minutes=10) + opening.CHECKOUT_MIN_LIFETIME
    # A hold that lasts long enough fixes the expiry by itself: no window in the key.
    hold = now + timedelta(hours=2)
    assert opening.checkout_expiry(hold, now) == (hold, "") == opening.checkout_expiry(hold, now + timedelta(minutes=25))
    # A short hold still gives Stripe its minimum lifetime.
    assert opening.checkout_expiry(now + timedelta(minutes=15), now)[0] >= now + opening.CHECKOUT_MIN_LIFETIME
