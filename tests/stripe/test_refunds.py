"""Refunds through Stripe and the cancellation policy (store: everything; client: by cutoff)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.billing import refunds
from hub_app.domain.billing import checkout
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, BookingStatus, PaymentStatus
from hub_app.domain.errors import ValidationFailed
from tests.stripe.helpers import load, pending_booking, rows


def paid_booking(shop, worker, *, pay_full: bool, start_in: timedelta = timedelta(days=3)) -> int:
    booking_id = pending_booking(shop, start_in=start_in)
    ctx = shop.client_ctx()
    start = checkout.start_booking_checkout(ctx, booking_id, pay_full=pay_full)
    shop.fake.pay_checkout_session(start.session_id)
    worker()
    return booking_id


def refunds_of(booking_id: int) -> list[Payment]:
    return rows(select(Payment).where(Payment.booking_id == booking_id, Payment.kind == PaymentKind.REFUND))


def stripe_refunds(shop) -> list[dict]:
    return [r.params for r in shop.fake.requests_to("POST", "/v1/refunds")]


def test_store_cancellation_refunds_everything(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=True, start_in=timedelta(hours=2))
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        refunds.cancel_with_refund(db, ctx, booking_id, reason="closed for the day")

    booking = load(Booking, booking_id)
    assert booking.status == BookingStatus.CANCELLED and booking.payment_status == PaymentStatus.REFUNDED
    assert booking.amount_paid == Decimal("0.00")
    [refund] = refunds_of(booking_id)
    assert refund.amount == Decimal("40.00") and refund.status == PaymentRecordStatus.SUCCEEDED
    assert refund.refund_of_payment_id is not None and refund.stripe_refund_id.startswith("re_")
    assert stripe_refunds(shop)[0]["amount"] == "4000"
    assert shop.fake.requests_to("POST", "/v1/refunds")[0].stripe_account == shop.account_id
    charge = load(Payment, refund.refund_of_payment_id)
    assert charge.status == PaymentRecordStatus.REFUNDED
    assert rows(select(AuditEntry).where(AuditEntry.action == "refund_created", AuditEntry.entity_id == refund.id))


def test_client_cancellation_before_the_cutoff_refunds_everything(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=False, start_in=timedelta(days=3))
    ctx = shop.client_ctx()
    with hub_db.unit_of_work(ctx) as db:
        refunds.cancel_with_refund(db, ctx, booking_id)
    assert [r.amount for r in refunds_of(booking_id)] == [Decimal("10.00")]
    assert load(Booking, booking_id).payment_status == PaymentStatus.REFUNDED


def test_client_cancellation_after_the_cutoff_keeps_the_advance(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=True, start_in=timedelta(days=3))
    # The client asks after the 24 h cutoff: staff cancels on their behalf, the policy is the client's.
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        from hub_app.domain.bookings import service as bookings

        booking = bookings.cancel_booking(db, ctx, booking_id, reason="client called")
        refunds.refund_for_cancellation(db, ctx, booking_id, by_store=False,
                                        cancelled_at=booking.start_at - timedelta(hours=2))
    booking = load(Booking, booking_id)
    assert [r.amount for r in refunds_of(booking_id)] == [Decimal("30.00")]
    assert booking.amount_paid == Decimal("10.00") and booking.payment_status == PaymentStatus.PARTIAL


def test_partial_refund_by_the_manager_and_limits(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=True)
    [charge] = rows(select(Payment).where(Payment.booking_id == booking_id))
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        refunds.refund_payment(db, ctx, charge.id, Decimal("15.00"))
    with pytest.raises(ValidationFailed):
        with hub_db.unit_of_work(ctx) as db:
            refunds.refund_payment(db, ctx, charge.id, Decimal("25.01"))
    with hub_db.unit_of_work(ctx) as db:
        refunds.refund_payment(db, ctx, charge.id)          # the rest
    assert [r.amount for r in refunds_of(booking_id)] == [Decimal("15.00"), Decimal("25.00")]
    assert [p["amount"] for p in stripe_refunds(shop)] == ["1500", "2500"]
    assert load(Booking, booking_id).payment_status == PaymentStatus.REFUNDED


def test_a_refund_that_fails_later_restores_the_booking(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=True)
    [charge] = rows(select(Payment).where(Payment.booking_id == booking_id))
    ctx = shop.manager_ctx()
    with hub_db.unit_of_work(ctx) as db:
        refund = refunds.refund_payment(db, ctx, charge.id)
    remote = shop.fake.object(refund.stripe_refund_id)
    remote["status"] = "failed"
    assert shop.fake.deliver(shop.fake.make_event("refund.updated", remote, account=shop.account_id)) == 200
    worker()
    assert load(Payment, refund.id).status == PaymentRecordStatus.FAILED
    booking = load(Booking, booking_id)
    assert booking.amount_paid == Decimal("40.00") and booking.payment_status == PaymentStatus.PAID
    assert load(Payment, charge.id).status == PaymentRecordStatus.SUCCEEDED


def test_client_cannot_refund_directly(shop, worker):
    booking_id = paid_booking(shop, worker, pay_full=True)
    [charge] = rows(select(Payment).where(Payment.booking_id == booking_id))
    ctx = shop.client_ctx()
    from hub_app.domain.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        with hub_db.unit_of_work(ctx) as db:
            refunds.refund_payment(db, ctx, charge.id)
    assert refunds_of(booking_id) == []
