"""The real stripe-python client (StripeGateway) against the fake Stripe: the wire format."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from hub_app.domain.billing.gateway import GatewayError, PaymentCheckoutRequest
from hub_app.domain.billing.money import from_minor, to_minor
from hub_app.domain.billing.stripe_gateway import StripeGateway
from tests.stripe.fake_stripe import parse_form


def _gateway(fake, retries: int = 0) -> StripeGateway:
    return StripeGateway(fake.secret_key, api_base=fake.url, max_network_retries=retries)


# Fixed, as the product fixes it per key (billing.checkout.checkout_expiry): a retry must send the
# very same parameters, also when it crosses a second boundary.
EXPIRES_AT = int(time.time()) + 3600


def _request(account: str, key: str = "booking-7-checkout-v1-1000", amount: int = 1000) -> PaymentCheckoutRequest:
    return PaymentCheckoutRequest(
        account_id=account, amount=amount, currency="eur", description="Cut",
        metadata={"booking_id": "7", "store_id": "3"}, success_url="http://app/ok?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://app/cancel", expires_at=EXPIRES_AT, idempotency_key=key,
        customer_email="client@example.com")


def test_minor_units_respect_zero_decimal_currencies():
    assert to_minor(Decimal("12.50"), "EUR") == 1250
    assert to_minor(Decimal("0.015"), "eur") == 2
    assert to_minor(Decimal("1500"), "JPY") == 1500
    assert from_minor(1250, "eur") == Decimal("12.50")
    assert from_minor(1500, "jpy") == Decimal("1500.00")


def test_form_decoding_of_nested_keys():
    assert parse_form("metadata[booking_id]=42&line_items[0][price_data][currency]=eur&line_items[0][quantity]=1") == {
        "metadata": {"booking_id": "42"}, "line_items": [{"price_data": {"currency": "eur"}, "quantity": "1"}]}


def test_checkout_is_sent_form_encoded_on_the_connected_account(fake_stripe):
    gateway = _gateway(fake_stripe)
    account = gateway.create_connected_account(email="shop@example.com", country="GR", metadata={"store_id": "3"},
                                               idempotency_key="store-3-connect-account")
    assert account.id.startswith("acct_") and not account.charges_enabled

    session = gateway.create_payment_checkout(_request(account.id))

    assert session.id.startswith("cs_test_") and session.status == "open" and session.url
    sent = fake_stripe.requests_to("POST", "/v1/checkout/sessions")[-1]
    assert sent.stripe_account == account.id
    assert sent.idempotency_key == "booking-7-checkout-v1-1000"
    assert sent.params["metadata"] == {"booking_id": "7", "store_id": "3"}
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "1000"
    assert sent.params["payment_intent_data"]["metadata"]["booking_id"] == "7"
    assert sent.headers["stripe-version"].startswith("2026-")
    # Seen from the platform (no Stripe-Account), the session does not exist.
    with pytest.raises(GatewayError) as missing:
        gateway.retrieve_checkout_session(session.id, account_id=None)
    assert missing.value.status == 404 and missing.value.code == "resource_missing"


def test_same_idempotency_key_returns_the_same_object_and_other_params_are_refused(fake_stripe):
    gateway = _gateway(fake_stripe)
    account = gateway.create_connected_account(email=None, country=None, metadata={}, idempotency_key="a-1")

    first = gateway.create_payment_checkout(_request(account.id))
    again = gateway.create_payment_checkout(_request(account.id))
    assert again.id == first.id

    with pytest.raises(GatewayError) as refused:
        gateway.create_payment_checkout(_request(account.id, amount=2000))
    assert refused.value.status == 400


def test_server_errors_are_retried_with_the_same_key(fake_stripe):
    gateway = _gateway(fake_stripe, retries=2)
    fake_stripe.fail_next("POST", "/v1/customers", status=500, error_type="api_error", message="boom", code=None)

    customer = gateway.create_customer(email="a@example.com", name="A", metadata={}, idempotency_key="store-1-customer")

    attempts = fake_stripe.requests_to("POST", "/v1/customers")
    assert customer.startswith("cus_") and len(attempts) == 2
    assert {a.idempotency_key for a in attempts} == {"store-1-customer"}


def test_card_errors_and_bad_keys_become_gateway_errors(fake_stripe):
    fake_stripe.fail_next("POST", "/v1/refunds", status=402, error_type="card_error", code="card_declined")
    with pytest.raises(GatewayError) as declined:
        _gateway(fake_stripe).create_refund(payment_intent_id="pi_x", amount=100, account_id=None,
                                            reason="requested_by_customer", metadata={}, idempotency_key="r-1")
    assert declined.value.code == "card_declined" and declined.value.status == 402 and not declined.value.retryable

    with pytest.raises(GatewayError) as unauthorised:
        StripeGateway("sk_test_wrong", api_base=fake_stripe.url, max_network_retries=0).create_product(
            name="x", metadata={}, idempotency_key="p-1")
    assert unauthorised.value.status == 401
