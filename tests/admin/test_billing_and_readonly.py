"""Plans with structured limits, read-only records, refunds, webhook replay, and booking status changes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus, SubscriptionPlan
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.integrations.models import InboxStatus, WebhookEvent
from hub_app.domain.stores.models import Store
from hub_app.domain.types import utcnow
from tests.admin.conftest import fetch, flashed, seed
from tests.admin.test_users_and_stores import _book

PLAN = {"name": "Pro", "description": "For busy salons", "price_amount": "29.90", "currency": "eur",
        "interval": "month", "max_services": "20", "max_calendars": "5", "max_bookings_per_month": "",
        "sms_included": "100", "is_active": "y", "sort_order": "1", "save": "Save"}


def _plan(name: str) -> SubscriptionPlan | None:
    return seed(lambda db: db.scalar(select(SubscriptionPlan).where(SubscriptionPlan.name == name)))


def test_plan_create_edit_deactivate_and_guarded_delete(admin_client, shop):
    assert admin_client.post("/admin/subscription-plan/create", data=PLAN, follow_redirects=False).status_code == 302
    plan = _plan("Pro")
    assert (plan.price_amount, plan.currency, plan.max_services, plan.max_calendars) == (Decimal("29.90"), "EUR", 20, 5)
    assert plan.max_bookings_per_month is None and plan.sms_included == 100  # empty means unlimited

    for bad, message in (({"price_amount": "-1"}, "Number must be at least 0"),
                         ({"currency": "EURO"}, "3 characters"),
                         ({"currency": "E1R"}, "Use a three-letter currency code such as EUR."),
                         ({"max_services": "-2"}, "Number must be at least 0")):
        response = admin_client.post(f"/admin/subscription-plan/edit/{plan.id}", data={**PLAN, **bad})
        assert response.status_code == 400 and message in response.text, bad
    response = admin_client.post(f"/admin/subscription-plan/edit/{plan.id}", data={**PLAN, "max_services": "25"},
                                 follow_redirects=False)
    assert response.status_code == 302 and fetch(SubscriptionPlan, plan.id).max_services == 25

    store, _, _ = shop
    seed(lambda db: setattr(db.get(Store, store.id), "current_subscription_plan_id", plan.id))
    response = admin_client.delete(f"/admin/subscription-plan/delete?pks={plan.id}")
    assert "Deactivate it instead" in admin_client.get(response.text).text and _plan("Pro") is not None
    admin_client.get(f"/admin/subscription-plan/action/deactivate?pks={plan.id}")
    assert fetch(SubscriptionPlan, plan.id).is_active is False

    admin_client.post("/admin/subscription-plan/create", data={**PLAN, "name": "Unused"})
    unused = _plan("Unused")
    assert "error=" not in admin_client.delete(f"/admin/subscription-plan/delete?pks={unused.id}").text
    assert _plan("Unused") is None
    actions = seed(lambda db: list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "subscription_plan"))))
    assert {"created", "updated", "deleted"} <= set(actions)


def _paid_booking(db, store_id: int, client_id: int) -> tuple[Booking, Payment]:
    booking = _book(db, store_id, client_id)
    booking.amount_paid = Decimal("20.00")
    payment = Payment(store_id=store_id, user_id=client_id, booking_id=booking.id, amount=Decimal("20.00"),
                      currency="EUR", status=PaymentRecordStatus.SUCCEEDED, payment_method="at_store",
                      payment_date=utcnow())
    event = WebhookEvent(provider="stripe", event_id="evt_1", event_type="charge.refunded", payload="{}",
                         status=InboxStatus.FAILED, attempts=3, last_error="boom")
    db.add_all([payment, event])
    db.flush()
    return booking, payment


def test_payments_webhooks_and_audit_log_are_read_only(admin_client, shop):
    store, _, client_user = shop
    _, payment = seed(lambda db: _paid_booking(db, store.id, client_user.id))
    event_id = seed(lambda db: db.scalar(select(WebhookEvent.id)))
    audit_id = seed(lambda db: db.scalar(select(AuditEntry.id)))
    for identity, pk in (("payment", payment.id), ("webhook-event", event_id), ("audit-entry", audit_id)):
        assert admin_client.get(f"/admin/{identity}/list").status_code == 200
        if pk is not None:
            assert admin_client.get(f"/admin/{identity}/details/{pk}").status_code == 200
            assert admin_client.get(f"/admin/{identity}/edit/{pk}").status_code == 403
            assert admin_client.post(f"/admin/{identity}/edit/{pk}", data={"save": "Save"}).status_code == 403
            assert admin_client.delete(f"/admin/{identity}/delete?pks={pk}").status_code == 403
        assert admin_client.get(f"/admin/{identity}/create").status_code == 403
        assert admin_client.post(f"/admin/{identity}/create", data={"save": "Save"}).status_code == 403
    assert fetch(Payment, payment.id) is not None


def test_refund_goes_through_the_payments_domain(admin_client, shop):
    store, _, client_user = shop
    booking, payment = seed(lambda db: _paid_booking(db, store.id, client_user.id))
    response = admin_client.get(f"/admin/payment/action/refund?pks={payment.id}")
    assert "1 refunds requested." in flashed(response.text)
    refund = seed(lambda db: db.scalar(select(Payment).where(Payment.refund_of_payment_id == payment.id)))
    assert refund.kind == PaymentKind.REFUND and refund.amount == Decimal("20.00")
    assert fetch(Payment, payment.id).status == PaymentRecordStatus.REFUNDED
    assert fetch(Booking, booking.id).amount_paid == Decimal("0.00")
    again = admin_client.get(f"/admin/payment/action/refund?pks={payment.id}")
    assert any(m.startswith(f"#{payment.id}:") for m in flashed(again.text))  # nothing left to refund


def test_replaying_a_webhook_event_resets_it_for_processing(admin_client, shop):
    store, _, client_user = shop
    seed(lambda db: _paid_booking(db, store.id, client_user.id))
    event = seed(lambda db: db.scalar(select(WebhookEvent)))
    response = admin_client.get(f"/admin/webhook-event/action/replay?pks={event.id}")
    messages = flashed(response.text)
    assert "1 events reset for processing." in messages
    reloaded = fetch(WebhookEvent, event.id)
    assert reloaded.status == InboxStatus.RECEIVED and reloaded.last_error is None and reloaded.attempts == 3


def test_booking_status_changes_follow_the_lifecycle_and_are_audited(admin_client, shop, admin_user):
    store, _, client_user = shop
    booking = seed(lambda db: _book(db, store.id, client_user.id))
    page = admin_client.get(f"/admin/booking/change-status?pk={booking.id}")
    assert page.status_code == 200 and 'value="confirmed"' in page.text
    response = admin_client.post(f"/admin/booking/change-status?pk={booking.id}", data={"status": "confirmed"})
    assert response.status_code == 200 and "Status changed." in flashed(response.text)
    assert fetch(Booking, booking.id).status == BookingStatus.CONFIRMED
    entry = seed(lambda db: db.scalar(select(AuditEntry).where(
        AuditEntry.entity_type == "booking", AuditEntry.entity_id == booking.id, AuditEntry.action == "status_confirmed")))
    assert entry.actor_user_id == admin_user.id and entry.before["status"] == "pending"

    admin_client.post(f"/admin/booking/change-status?pk={booking.id}", data={"status": "cancelled", "reason": "Closed"})
    cancelled = fetch(Booking, booking.id)
    assert cancelled.status == BookingStatus.CANCELLED and cancelled.cancel_reason == "Closed"
    refused = admin_client.post(f"/admin/booking/change-status?pk={booking.id}", data={"status": "confirmed"})
    assert refused.status_code == 400 and "cannot become confirmed" in refused.text
    # Bookings are never created, deleted or edited field by field here.
    assert admin_client.get("/admin/booking/create").status_code == 403
    assert admin_client.delete(f"/admin/booking/delete?pks={booking.id}").status_code == 403
    edit = admin_client.get(f"/admin/booking/edit/{booking.id}").text
    assert 'name="notes"' in edit and 'name="status"' not in edit


def test_a_booking_that_has_not_started_cannot_be_marked_completed(admin_client, shop):
    store, _, client_user = shop

    def future_confirmed(db):
        booking = _book(db, store.id, client_user.id)
        booking.status = BookingStatus.CONFIRMED
        booking.start_at, booking.end_at = utcnow() + timedelta(days=2), utcnow() + timedelta(days=2, hours=1)
        return booking

    booking = seed(future_confirmed)
    response = admin_client.post(f"/admin/booking/change-status?pk={booking.id}", data={"status": "completed"})
    assert response.status_code == 400
    assert fetch(Booking, booking.id).status == BookingStatus.CONFIRMED
