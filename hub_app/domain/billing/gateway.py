"""The small payments interface the billing domain talks to, and the values it returns.

Domain code never touches stripe-python objects: the gateway turns every answer into the plain
dataclasses below, so business rules stay testable and the provider stays replaceable.
`stripe_gateway.StripeGateway` is the real implementation; `gateway_factory.get_gateway()` builds it from the
settings (None when no secret key is configured: payments are then off, everything else works).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class GatewayError(Exception):
    """The provider refused or failed a call. `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    currently_due: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostedLink:
    url: str
    expires_at: int | None = None


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str                      # open | complete | expired
    payment_status: str              # paid | unpaid | no_payment_required
    mode: str
    amount_total: int | None = None
    currency: str | None = None
    payment_intent_id: str | None = None
    subscription_id: str | None = None
    customer_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str                      # pending | requires_action | succeeded | failed | canceled
    amount: int
    currency: str
    payment_intent_id: str | None = None


@dataclass(frozen=True)
class Price:
    id: str
    product_id: str
    unit_amount: int
    currency: str
    interval: str | None
    active: bool


@dataclass(frozen=True)
class RemoteSubscription:
    id: str
    status: str
    customer_id: str | None
    cancel_at_period_end: bool


@dataclass(frozen=True)
class PaymentCheckoutRequest:
    """A one-time payment through the hosted Checkout page, on the store's connected account."""

    account_id: str
    amount: int                      # minor units
    currency: str                    # lowercase ISO code
    description: str
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    expires_at: int                  # unix seconds, 30 min .. 24 h ahead (Stripe's bounds)
    idempotency_key: str
    customer_email: str | None = None
    client_reference_id: str | None = None


@dataclass(frozen=True)
class SubscriptionCheckoutRequest:
    """A subscription through Checkout: on the platform (account_id None) or a connected account."""

    price_id: str
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    idempotency_key: str
    account_id: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    client_reference_id: str | None = None


class PaymentsGateway(Protocol):
    # Connect (flow B: clients pay stores)
    def create_connected_account(self, *, email: str | None, country: str | None,
                                 metadata: dict[str, str], idempotency_key: str) -> ConnectedAccount: ...
    def retrieve_connected_account(self, account_id: str) -> ConnectedAccount: ...
    def create_onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> HostedLink: ...

    # Checkout
    def create_payment_checkout(self, request: PaymentCheckoutRequest) -> CheckoutSession: ...
    def create_subscription_checkout(self, request: SubscriptionCheckoutRequest) -> CheckoutSession: ...
    def retrieve_checkout_session(self, session_id: str, *, account_id: str | None) -> CheckoutSession: ...
    def expire_checkout_session(self, session_id: str, *, account_id: str | None) -> CheckoutSession: ...

    # Refunds
    def create_refund(self, *, payment_intent_id: str, amount: int, account_id: str | None,
                      reason: str, metadata: dict[str, str], idempotency_key: str) -> Refund: ...

    # Catalogue and billing (flow A on the platform; recurring services on connected accounts)
    def create_customer(self, *, email: str | None, name: str | None, metadata: dict[str, str],
                        idempotency_key: str, account_id: str | None = None) -> str: ...
    def create_product(self, *, name: str, metadata: dict[str, str], idempotency_key: str,
                       account_id: str | None = None) -> str: ...
    def create_recurring_price(self, *, product_id: str, unit_amount: int, currency: str, interval: str,
                               metadata: dict[str, str], idempotency_key: str,
                               account_id: str | None = None) -> Price: ...
    def retrieve_price(self, price_id: str, *, account_id: str | None = None) -> Price: ...
    def archive_price(self, price_id: str, *, account_id: str | None = None) -> Price: ...
    def cancel_subscription(self, subscription_id: str, *, account_id: str | None = None,
                            idempotency_key: str | None = None) -> RemoteSubscription: ...
    def create_invoice_item(self, *, customer_id: str, amount: int, currency: str, description: str,
                            metadata: dict[str, str], idempotency_key: str) -> str: ...

    def cancel_subscription_at_period_end(self, subscription_id: str, *, account_id: str | None = None,
                                          idempotency_key: str | None = None) -> RemoteSubscription: ...
