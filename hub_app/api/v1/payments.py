"""Payments of a store: Connect onboarding, booking checkout, mark paid, refunds, subscriptions.

Thin adapter over hub_app.domain.billing: every rule (who may, how much, idempotency) is there.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hub_app import db as hub_db
from hub_app.api.v1.deps import StoreScope, operation_id, signed_in_store_scope
from hub_app.api.v1.errors import error_responses
from hub_app.api.v1.schemas import MAX_INT, PathId
from hub_app.domain.billing import checkout, refunds, subscriptions
from hub_app.domain.billing import service as billing
from hub_app.domain.billing.models import Payment

router = APIRouter(prefix="/stores/{slug}", tags=["payments"], generate_unique_id_function=operation_id)
ERRORS = error_responses(400, 401, 403, 404, 409, 422)


class OnboardingIn(BaseModel):
    return_url: str = Field(max_length=500, description="Where Stripe sends the manager back when done.")
    refresh_url: str = Field(max_length=500, description="Where Stripe sends the manager when the link expired.")


class LinkOut(BaseModel):
    url: str


class PaymentsStatusOut(BaseModel):
    available: bool
    reason: str
    onboarding_state: str = Field(description="not_started, pending, restricted or complete")
    stripe_enabled: bool


class CheckoutIn(BaseModel):
    pay_full: bool = Field(default=False, description="Pay the whole price instead of the advance.")
    success_url: str | None = Field(default=None, max_length=500)
    cancel_url: str | None = Field(default=None, max_length=500)


class CheckoutOut(BaseModel):
    url: str
    session_id: str
    amount: Decimal
    currency: str


class PaymentOut(BaseModel):
    id: int
    kind: str
    status: str
    amount: Decimal
    currency: str
    payment_method: str | None
    refund_of_payment_id: int | None
    stripe_payment_intent_id: str | None
    stripe_refund_id: str | None


class RefundIn(BaseModel):
    amount: Decimal | None = Field(default=None, gt=0, description="Leave out to refund what is left.")


class PlanCheckoutIn(BaseModel):
    plan_id: int = Field(ge=1, le=MAX_INT)
    success_url: str | None = Field(default=None, max_length=500)
    cancel_url: str | None = Field(default=None, max_length=500)


def _payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(id=payment.id, kind=payment.kind.value, status=payment.status.value, amount=payment.amount,
                      currency=payment.currency, payment_method=payment.payment_method,
                      refund_of_payment_id=payment.refund_of_payment_id,
                      stripe_payment_intent_id=payment.stripe_payment_intent_id,
                      stripe_refund_id=payment.stripe_refund_id)


@router.get("/payments/status", response_model=PaymentsStatusOut, responses=ERRORS)
def payments_status(scope: StoreScope = Depends(signed_in_store_scope)) -> PaymentsStatusOut:
    """Whether clients can pay online, and why not (shown to manager and admin)."""
    ok, reason = billing.payments_available(scope.store, scope.ctx.locale)
    return PaymentsStatusOut(available=ok, reason=reason, onboarding_state=scope.store.stripe_onboarding_state,
                             stripe_enabled=scope.store.stripe_enabled)


@router.post("/payments/onboarding", response_model=LinkOut, responses=ERRORS)
def start_onboarding(body: OnboardingIn, scope: StoreScope = Depends(signed_in_store_scope)) -> LinkOut:
    """Create the store's Stripe account if needed and return a fresh onboarding link."""
    with hub_db.unit_of_work(scope.ctx) as db:
        url = billing.start_onboarding(db, scope.ctx, return_url=body.return_url, refresh_url=body.refresh_url)
    return LinkOut(url=url)


@router.post("/payments/onboarding/refresh", response_model=PaymentsStatusOut, responses=ERRORS)
def refresh_onboarding(scope: StoreScope = Depends(signed_in_store_scope)) -> PaymentsStatusOut:
    with hub_db.unit_of_work(scope.ctx) as db:
        billing.refresh_onboarding(db, scope.ctx)
        store = db.get(type(scope.store), scope.store.id)
        ok, reason = billing.payments_available(store, scope.ctx.locale)
        return PaymentsStatusOut(available=ok, reason=reason, onboarding_state=store.stripe_onboarding_state,
                                 stripe_enabled=store.stripe_enabled)


@router.post("/bookings/{booking_id}/checkout", response_model=CheckoutOut, responses=ERRORS)
def booking_checkout(booking_id: PathId, body: CheckoutIn, scope: StoreScope = Depends(signed_in_store_scope)) -> CheckoutOut:
    """The hosted Checkout URL for a booking's advance, full price or balance (same URL while open)."""
    # No transaction here: the domain keeps Stripe's answer outside its own short ones.
    start = checkout.start_booking_checkout(scope.ctx, booking_id, pay_full=body.pay_full,
                                            success_url=body.success_url, cancel_url=body.cancel_url)
    return CheckoutOut(url=start.url, session_id=start.session_id, amount=start.amount, currency=start.currency)


@router.get("/bookings/{booking_id}/payments", response_model=list[PaymentOut], responses=ERRORS)
def list_booking_payments(booking_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> list[PaymentOut]:
    with hub_db.unit_of_work(scope.ctx) as db:
        return [_payment_out(p) for p in billing.booking_payments(db, scope.ctx, booking_id)]


@router.post("/bookings/{booking_id}/mark-paid", response_model=PaymentOut, responses=ERRORS)
def mark_paid(booking_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> PaymentOut:
    """Manager: the client paid the rest at the store."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return _payment_out(billing.mark_paid_at_store(db, scope.ctx, booking_id))


@router.post("/payments/{payment_id}/refund", response_model=PaymentOut, responses=ERRORS)
def refund(payment_id: PathId, body: RefundIn, scope: StoreScope = Depends(signed_in_store_scope)) -> PaymentOut:
    """Manager: refund (part of) a charge through Stripe."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return _payment_out(refunds.refund_payment(db, scope.ctx, payment_id, body.amount))


@router.post("/subscription/checkout", response_model=LinkOut, responses=ERRORS)
def plan_checkout(body: PlanCheckoutIn, scope: StoreScope = Depends(signed_in_store_scope)) -> LinkOut:
    """Manager: subscribe to (or switch to) a plan through Checkout."""
    with hub_db.unit_of_work(scope.ctx) as db:
        return LinkOut(url=subscriptions.start_plan_checkout(db, scope.ctx, body.plan_id, success_url=body.success_url,
                                                             cancel_url=body.cancel_url))


@router.post("/services/{service_id}/subscribe", response_model=LinkOut, responses=ERRORS)
def subscribe_service(service_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> LinkOut:
    """Client: subscribe to a recurring service through Checkout on the store's account."""
    with hub_db.unit_of_work(scope.ctx) as db:
        _, url = subscriptions.subscribe_to_service(db, scope.ctx, service_id)
    return LinkOut(url=url)


@router.post("/service-subscriptions/{subscription_id}/cancel", status_code=204, responses=ERRORS)
def cancel_service(subscription_id: PathId, scope: StoreScope = Depends(signed_in_store_scope)) -> None:
    with hub_db.unit_of_work(scope.ctx) as db:
        subscriptions.cancel_service_subscription(db, scope.ctx, subscription_id)
