"""PaymentsGateway on stripe-python's StripeClient (the `client.v1.*` services).

The API base is configurable (settings.stripe_api_base) so development and CI talk to a local
fake that speaks Stripe's wire format. StripeClient makes no network retries unless told, so
`max_network_retries` is passed explicitly; its retries reuse the same Idempotency-Key.
"""

from __future__ import annotations

from typing import Any

import stripe

from hub_app.domain.billing.gateway import (
    CheckoutSession, ConnectedAccount, GatewayError, HostedLink, PaymentCheckoutRequest, Price, Refund,
    RemoteSubscription, SubscriptionCheckoutRequest,
)

DEFAULT_NETWORK_RETRIES = 2


def _get(obj: Any, name: str, default: Any = None) -> Any:
    # StripeObject is no longer a dict (v15+): attribute access with a default.
    return getattr(obj, name, default) if obj is not None else default


def _id_of(value: Any) -> str | None:
    """A field that is an id, or an expanded object carrying one."""
    if value is None or isinstance(value, str):
        return value
    return _get(value, "id")


def _metadata(obj: Any) -> dict[str, str]:
    meta = _get(obj, "metadata")
    return {k: str(v) for k, v in meta.to_dict().items()} if meta is not None else {}


def _options(account_id: str | None = None, idempotency_key: str | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if account_id:
        options["stripe_account"] = account_id
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    return options


class StripeGateway:
    def __init__(self, secret_key: str, *, api_base: str | None = None,
                 max_network_retries: int = DEFAULT_NETWORK_RETRIES):
        base_addresses = {"api": api_base, "connect": api_base, "files": api_base} if api_base else None
        self.client = stripe.StripeClient(secret_key, base_addresses=base_addresses,
                                          max_network_retries=max_network_retries)

    @classmethod
    def from_settings(cls, settings) -> "StripeGateway":
        return cls(settings.stripe_secret_key, api_base=settings.stripe_api_base)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            error = _get(exc, "error")
            code = _get(error, "code") or getattr(exc, "code", None)
            status = getattr(exc, "http_status", None)
            retryable = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or (
                status is not None and status >= 500)
            message = _get(error, "message") or getattr(exc, "user_message", None) or str(exc)
            raise GatewayError(message, code=code, status=status, retryable=retryable) from exc

    # --- Connect ------------------------------------------------------------------------------

    @staticmethod
    def _account(obj) -> ConnectedAccount:
        requirements = _get(obj, "requirements")
        return ConnectedAccount(
            id=obj.id, charges_enabled=bool(_get(obj, "charges_enabled", False)),
            payouts_enabled=bool(_get(obj, "payouts_enabled", False)),
            details_submitted=bool(_get(obj, "details_submitted", False)),
            currently_due=tuple(_get(requirements, "currently_due", None) or ()),
        )

    def create_connected_account(self, *, email, country, metadata, idempotency_key) -> ConnectedAccount:
        # Standard-like account: the store is merchant of record, Stripe collects fees and losses.
        params: dict[str, Any] = {
            "controller": {"stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
                           "losses": {"payments": "stripe"}},
            "metadata": metadata,
        }
        if email:
            params["email"] = email
        if country:
            params["country"] = country
        obj = self._call(self.client.v1.accounts.create, params=params,
                         options=_options(idempotency_key=idempotency_key))
        return self._account(obj)

    def retrieve_connected_account(self, account_id: str) -> ConnectedAccount:
        return self._account(self._call(self.client.v1.accounts.retrieve, account_id))

    def create_onboarding_link(self, account_id, *, refresh_url, return_url) -> HostedLink:
        obj = self._call(self.client.v1.account_links.create, params={
            "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
            "type": "account_onboarding"})
        return HostedLink(url=obj.url, expires_at=_get(obj, "expires_at"))

    # --- Checkout -----------------------------------------------------------------------------

    @staticmethod
    def _session(obj) -> CheckoutSession:
        return CheckoutSession(
            id=obj.id, url=_get(obj, "url"), status=_get(obj, "status") or "open",
            payment_status=_get(obj, "payment_status") or "unpaid", mode=_get(obj, "mode") or "payment",
            amount_total=_get(obj, "amount_total"), currency=_get(obj, "currency"),
            payment_intent_id=_id_of(_get(obj, "payment_intent")),
            subscription_id=_id_of(_get(obj, "subscription")), customer_id=_id_of(_get(obj, "customer")),
            metadata=_metadata(obj),
        )

    def create_payment_checkout(self, request: PaymentCheckoutRequest) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"price_data": {"currency": request.currency, "unit_amount": request.amount,
                                           "product_data": {"name": request.description}},
                            "quantity": 1}],
            "payment_intent_data": {"metadata": request.metadata, "description": request.description},
            "metadata": request.metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": request.expires_at,
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        if request.client_reference_id:
            params["client_reference_id"] = request.client_reference_id
        obj = self._call(self.client.v1.checkout.sessions.create, params=params,
                         options=_options(request.account_id, request.idempotency_key))
        return self._session(obj)

    def create_subscription_checkout(self, request: SubscriptionCheckoutRequest) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": request.price_id, "quantity": 1}],
            "subscription_data": {"metadata": request.metadata},
            "metadata": request.metadata,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        elif request.customer_email:
            params["customer_email"] = request.customer_email
        if request.client_reference_id:
            params["client_reference_id"] = request.client_reference_id
        obj = self._call(self.client.v1.checkout.sessions.create, params=params,
                         options=_options(request.account_id, request.idempotency_key))
        return self._session(obj)

    def retrieve_checkout_session(self, session_id, *, account_id) -> CheckoutSession:
        return self._session(self._call(self.client.v1.checkout.sessions.retrieve, session_id,
                                        options=_options(account_id)))

    def expire_checkout_session(self, session_id, *, account_id) -> CheckoutSession:
        return self._session(self._call(self.client.v1.checkout.sessions.expire, session_id,
                                        options=_options(account_id, f"expire-{session_id}")))

    # --- Refunds ------------------------------------------------------------------------------

    def create_refund(self, *, payment_intent_id, amount, account_id, reason, metadata, idempotency_key) -> Refund:
        obj = self._call(self.client.v1.refunds.create, params={
            "payment_intent": payment_intent_id, "amount": amount, "reason": reason, "metadata": metadata,
        }, options=_options(account_id, idempotency_key))
        return Refund(id=obj.id, status=_get(obj, "status") or "pending", amount=_get(obj, "amount", amount),
                      currency=_get(obj, "currency") or "", payment_intent_id=_id_of(_get(obj, "payment_intent")))

    # --- Catalogue and billing ----------------------------------------------------------------

    def create_customer(self, *, email, name, metadata, idempotency_key, account_id=None) -> str:
        params: dict[str, Any] = {"metadata": metadata}
        if email:
            params["email"] = email
        if name:
            params["name"] = name
        obj = self._call(self.client.v1.customers.create, params=params,
                         options=_options(account_id, idempotency_key))
        return obj.id

    def create_product(self, *, name, metadata, idempotency_key, account_id=None) -> str:
        obj = self._call(self.client.v1.products.create, params={"name": name, "metadata": metadata},
                         options=_options(account_id, idempotency_key))
        return obj.id

    @staticmethod
    def _price(obj) -> Price:
        recurring = _get(obj, "recurring")
        return Price(id=obj.id, product_id=_id_of(_get(obj, "product")) or "",
                     unit_amount=int(_get(obj, "unit_amount") or 0), currency=_get(obj, "currency") or "",
                     interval=_get(recurring, "interval"), active=bool(_get(obj, "active", True)))

    def create_recurring_price(self, *, product_id, unit_amount, currency, interval, metadata,
                               idempotency_key, account_id=None) -> Price:
        obj = self._call(self.client.v1.prices.create, params={
            "product": product_id, "unit_amount": unit_amount, "currency": currency,
            "recurring": {"interval": interval, "interval_count": 1}, "metadata": metadata,
        }, options=_options(account_id, idempotency_key))
        return self._price(obj)

    def retrieve_price(self, price_id, *, account_id=None) -> Price:
        return self._price(self._call(self.client.v1.prices.retrieve, price_id, options=_options(account_id)))

    def archive_price(self, price_id, *, account_id=None) -> Price:
        return self._price(self._call(self.client.v1.prices.update, price_id, params={"active": False},
                                      options=_options(account_id)))

    def create_invoice_item(self, *, customer_id, amount, currency, description, metadata, idempotency_key) -> str:
        # A pending invoice item: Stripe adds it to the customer's next invoice.
        obj = self._call(self.client.v1.invoice_items.create,
                         params={"customer": customer_id, "amount": amount, "currency": currency,
                                 "description": description, "metadata": metadata},
                         options=_options(None, idempotency_key))
        return obj.id

    def cancel_subscription(self, subscription_id, *, account_id=None, idempotency_key=None) -> RemoteSubscription:
        obj = self._call(self.client.v1.subscriptions.cancel, subscription_id,
                         options=_options(account_id, idempotency_key))
        return self._subscription(obj)

    def cancel_subscription_at_period_end(self, subscription_id, *, account_id=None,
                                          idempotency_key=None) -> RemoteSubscription:
        # The period already paid for is kept: Stripe ends the subscription when it runs out.
        obj = self._call(self.client.v1.subscriptions.update, subscription_id,
                         params={"cancel_at_period_end": True}, options=_options(account_id, idempotency_key))
        return self._subscription(obj)

    @staticmethod
    def _subscription(obj) -> RemoteSubscription:
        return RemoteSubscription(id=obj.id, status=_get(obj, "status") or "canceled",
                                  customer_id=_id_of(_get(obj, "customer")),
                                  cancel_at_period_end=bool(_get(obj, "cancel_at_period_end", False)))
