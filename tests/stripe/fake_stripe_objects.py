"""The fake Stripe's objects and what happens to them (see fake_stripe.py for the HTTP side).

Objects live per account: those created with a `Stripe-Account` header belong to that connected
account and are invisible from the platform (and the other way round), as on Stripe.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.stripe.fake_stripe import FakeStripe

PERIOD_SECONDS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _missing(kind: str, object_id: str):
    from tests.stripe.fake_stripe import StripeError

    return StripeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", "id")


def _required(params: dict, *names: str) -> None:
    from tests.stripe.fake_stripe import StripeError

    for name in names:
        if name not in params or params[name] in ("", None):
            raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.",
                              "parameter_missing", name)


class FakeStripeState:
    def __init__(self, fake: "FakeStripe"):
        self.fake = fake
        self.objects: dict[str, dict[str, Any]] = {}
        self.owner: dict[str, str | None] = {}   # object id -> account id (None: the platform)

    # --- storage ------------------------------------------------------------------------------

    def _put(self, obj: dict[str, Any], account: str | None) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self.owner[obj["id"]] = account
        return obj

    def _get(self, object_id: str, kind: str, account: str | None) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != kind or self.owner.get(object_id) != account:
            raise _missing(kind, object_id)
        return obj

    # --- routing ------------------------------------------------------------------------------

    def route(self, method: str, path: str, params: dict, account: str | None) -> dict[str, Any]:
        parts = path.strip("/").split("/")[1:]   # drop "v1"
        key = (method, "/".join(p if i % 2 == 0 or len(parts) == 1 else "{id}" for i, p in enumerate(parts)))
        handlers = {
            ("POST", "accounts"): self.create_account,
            ("GET", "accounts/{id}"): lambda p, a: self._get(parts[1], "account", None),
            ("POST", "account_links"): self.create_account_link,
            ("POST", "customers"): self.create_customer,
            ("POST", "products"): self.create_product,
            ("POST", "prices"): self.create_price,
            ("GET", "prices/{id}"): lambda p, a: self._get(parts[1], "price", a),
            ("POST", "prices/{id}"): lambda p, a: self.update_price(parts[1], p, a),
            ("POST", "refunds"): self.create_refund,
            ("POST", "invoiceitems"): self.create_invoice_item,
            ("GET", "subscriptions/{id}"): lambda p, a: self._get(parts[1], "subscription", a),
            ("DELETE", "subscriptions/{id}"): lambda p, a: self.cancel_subscription(parts[1], a),
            ("POST", "subscriptions/{id}"): lambda p, a: self.update_subscription(parts[1], p, a),
        }
        if parts[:2] == ["checkout", "sessions"]:
            if method == "POST" and len(parts) == 2:
                return self.create_checkout_session(params, account)
            if method == "GET" and len(parts) == 3:
                return self._get(parts[2], "checkout.session", account)
            if method == "POST" and len(parts) == 4 and parts[3] == "expire":
                return self.expire_checkout_session(parts[2], account)
        handler = handlers.get(key)
        if handler is None:
            from tests.stripe.fake_stripe import StripeError

            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        return handler(params, account)

    # --- Connect ------------------------------------------------------------------------------

    def create_account(self, params: dict, account: str | None) -> dict:
        obj = {"id": new_id("acct"), "object": "account", "charges_enabled": False, "payouts_enabled": False,
               "details_submitted": False, "email": params.get("email"), "country": params.get("country", "GR"),
               "metadata": params.get("metadata", {}), "controller": params.get("controller", {}),
               "requirements": {"currently_due": ["external_account", "business_profile.url"]},
               "created": int(time.time())}
        return self._put(obj, None)

    def create_account_link(self, params: dict, account: str | None) -> dict:
        _required(params, "account", "refresh_url", "return_url", "type")
        self._get(params["account"], "account", None)
        return {"object": "account_link", "created": int(time.time()), "expires_at": int(time.time()) + 300,
                "url": f"{self.fake.url}/connect/onboarding/{params['account']}"}

    def complete_onboarding(self, account_id: str, *, charges: bool = True, payouts: bool = True) -> dict:
        """Stripe finished KYC: the account changes and account.updated goes to the Connect endpoint."""
        with self.fake.lock:
            obj = self._get(account_id, "account", None)
            obj.update(charges_enabled=charges, payouts_enabled=payouts, details_submitted=True,
                       requirements={"currently_due": [] if charges and payouts else ["external_account"]})
        return self.fake.emit("account.updated", obj, account=account_id)

    # --- catalogue ----------------------------------------------------------------------------

    def create_customer(self, params: dict, account: str | None) -> dict:
        return self._put({"id": new_id("cus"), "object": "customer", "email": params.get("email"),
                          "name": params.get("name"), "metadata": params.get("metadata", {})}, account)

    def create_invoice_item(self, params: dict, account: str | None) -> dict:
        _required(params, "customer", "amount", "currency")
        self._get(params["customer"], "customer", account)
        return self._put({"id": new_id("ii"), "object": "invoiceitem", "customer": params["customer"],
                          "amount": int(params["amount"]), "currency": params["currency"],
                          "description": params.get("description"), "metadata": params.get("metadata", {}),
                          "invoice": None}, account)

    def create_product(self, params: dict, account: str | None) -> dict:
        _required(params, "name")
        return self._put({"id": new_id("prod"), "object": "product", "name": params["name"], "active": True,
                          "metadata": params.get("metadata", {})}, account)

    def create_price(self, params: dict, account: str | None) -> dict:
        _required(params, "currency", "product")
        self._get(params["product"], "product", account)
        recurring = params.get("recurring")
        obj = {"id": new_id("price"), "object": "price", "product": params["product"], "active": True,
               "currency": params["currency"], "unit_amount": int(params.get("unit_amount", 0)),
               "type": "recurring" if recurring else "one_time", "metadata": params.get("metadata", {}),
               "recurring": ({"interval": recurring["interval"],
                              "interval_count": int(recurring.get("interval_count", 1))} if recurring else None)}
        return self._put(obj, account)

    def update_price(self, price_id: str, params: dict, account: str | None) -> dict:
        obj = self._get(price_id, "price", account)
        if "active" in params:
            obj["active"] = params["active"] == "true"
        return obj

    # --- checkout -----------------------------------------------------------------------------

    def create_checkout_session(self, params: dict, account: str | None) -> dict:
        _required(params, "mode", "success_url")
        line = (params.get("line_items") or [{}])[0]
        if "price" in line:
            price = self._get(line["price"], "price", account)
            amount, currency = price["unit_amount"], price["currency"]
        else:
            data = line.get("price_data") or {}
            _required(data, "currency", "unit_amount")
            amount, currency = int(data["unit_amount"]), data["currency"]
        amount *= int(line.get("quantity", 1))
        session_id = new_id("cs_test")
        obj = {"id": session_id, "object": "checkout.session", "mode": params["mode"], "status": "open",
               "payment_status": "unpaid", "amount_total": amount, "currency": currency,
               "metadata": params.get("metadata", {}), "client_reference_id": params.get("client_reference_id"),
               "customer": params.get("customer"), "customer_email": params.get("customer_email"),
               "payment_intent": None, "subscription": None, "invoice": None, "line_items_input": line,
               "success_url": params["success_url"], "cancel_url": params.get("cancel_url"),
               "payment_intent_data": params.get("payment_intent_data", {}),
               "subscription_data": params.get("subscription_data", {}),
               "expires_at": int(params.get("expires_at") or time.time() + 86400),
               "url": f"{self.fake.url}/checkout/pay/{session_id}", "created": int(time.time())}
        return self._put(obj, account)

    def expire_checkout_session(self, session_id: str, account: str | None, *, emit: bool = True) -> dict:
        from tests.stripe.fake_stripe import StripeError

        obj = self._get(session_id, "checkout.session", account)
        if obj["status"] != "open":
            raise StripeError(400, "invalid_request_error",
                              f"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout "
                              f"Session has a status of \"{obj['status']}\".", "checkout_session_not_open")
        obj.update(status="expired", url=None)
        if emit:
            self.fake.emit("checkout.session.expired", obj, account=account)
        return obj

    def pay_checkout_session(self, session_id: str, *, succeed: bool = True) -> dict:
        """The client pays on the hosted page: the session completes and its events are sent."""
        with self.fake.lock:
            session = self.objects[session_id]
            account = self.owner[session_id]
            if session["mode"] == "subscription":
                return self._pay_subscription_session(session, account)
            meta = (session.get("payment_intent_data") or {}).get("metadata") or session["metadata"]
            intent = self._put({"id": new_id("pi"), "object": "payment_intent", "amount": session["amount_total"],
                                "amount_received": session["amount_total"] if succeed else 0,
                                "currency": session["currency"], "metadata": meta,
                                "status": "succeeded" if succeed else "requires_payment_method",
                                "latest_charge": new_id("ch") if succeed else None,
                                "payment_method": new_id("pm"),
                                "last_payment_error": None if succeed else {
                                    "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                                    "message": "Your card was declined."}}, account)
            if not succeed:
                self.fake.emit("payment_intent.payment_failed", intent, account=account)
                return intent
            session.update(status="complete", payment_status="paid", payment_intent=intent["id"], url=None)
        self.fake.emit("checkout.session.completed", session, account=account)
        self.fake.emit("payment_intent.succeeded", intent, account=account)
        return session

    def _pay_subscription_session(self, session: dict, account: str | None) -> dict:
        customer = session.get("customer") or self.create_customer(
            {"email": session.get("customer_email")}, account)["id"]
        price = self._get(session["line_items_input"]["price"], "price", account)
        sub_meta = (session.get("subscription_data") or {}).get("metadata") or {}
        subscription = self.new_subscription(customer, price, sub_meta, account)
        invoice = self.new_invoice(subscription, price, "subscription_create", account)
        session.update(status="complete", payment_status="paid", customer=customer,
                       subscription=subscription["id"], invoice=invoice["id"], url=None)
        self.fake.emit("customer.subscription.created", subscription, account=account)
        self.fake.emit("checkout.session.completed", session, account=account)
        self.fake.emit("invoice.paid", invoice, account=account)
        return session

    # --- billing ------------------------------------------------------------------------------

    def new_subscription(self, customer: str, price: dict, metadata: dict, account: str | None) -> dict:
        now = int(time.time())
        period = PERIOD_SECONDS[price["recurring"]["interval"]]
        return self._put({
            "id": new_id("sub"), "object": "subscription", "customer": customer, "status": "active",
            "cancel_at_period_end": False, "cancel_at": None, "canceled_at": None, "ended_at": None,
            "metadata": metadata, "created": now, "latest_invoice": None,
            "items": {"object": "list", "data": [{
                "id": new_id("si"), "object": "subscription_item", "price": price, "quantity": 1,
                "current_period_start": now, "current_period_end": now + period}]},
        }, account)

    def new_invoice(self, subscription: dict, price: dict, reason: str, account: str | None,
                    *, paid: bool = True) -> dict:
        item = subscription["items"]["data"][0]
        intent = self._put({"id": new_id("pi"), "object": "payment_intent", "amount": price["unit_amount"],
                            "currency": price["currency"], "status": "succeeded" if paid else "requires_payment_method",
                            "metadata": {}, "latest_charge": new_id("ch")}, account)
        invoice = self._put({
            "id": new_id("in"), "object": "invoice", "customer": subscription["customer"],
            "status": "paid" if paid else "open", "amount_paid": price["unit_amount"] if paid else 0,
            "amount_due": price["unit_amount"], "currency": price["currency"], "billing_reason": reason,
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": subscription["id"], "metadata": subscription["metadata"]}},
            "lines": {"object": "list", "data": [{"period": {"start": item["current_period_start"],
                                                             "end": item["current_period_end"]},
                                                  "pricing": {"price_details": {"price": price["id"]}}}]},
            "payments": {"object": "list", "data": [{"payment": {"type": "payment_intent",
                                                                 "payment_intent": intent["id"]}}]},
            "hosted_invoice_url": f"{self.fake.url}/invoices/{subscription['id']}",
        }, account)
        subscription["latest_invoice"] = invoice["id"]
        return invoice

    def renew_subscription(self, subscription_id: str, *, paid: bool = True) -> dict:
        """A new billing period: invoice.paid (or payment_failed and the subscription goes past_due)."""
        with self.fake.lock:
            subscription = self.objects[subscription_id]
            account = self.owner[subscription_id]
            item = subscription["items"]["data"][0]
            period = PERIOD_SECONDS[item["price"]["recurring"]["interval"]]
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] += period
            invoice = self.new_invoice(subscription, item["price"], "subscription_cycle", account, paid=paid)
            if not paid:
                subscription["status"] = "past_due"
        if paid:
            self.fake.emit("invoice.paid", invoice, account=account)
        else:
            self.fake.emit("invoice.payment_failed", invoice, account=account)
            self.fake.emit("customer.subscription.updated", subscription, account=account,
                           previous_attributes={"status": "active"})
        return invoice

    def cancel_subscription(self, subscription_id: str, account: str | None) -> dict:
        from tests.stripe.fake_stripe import StripeError

        subscription = self._get(subscription_id, "subscription", account)
        if subscription["status"] == "canceled":
            raise StripeError(400, "invalid_request_error",
                              "A canceled subscription can only update its cancellation_details and metadata.",
                              "resource_missing")
        now = int(time.time())
        subscription.update(status="canceled", canceled_at=now, ended_at=now)
        self.fake.emit("customer.subscription.deleted", subscription, account=account)
        return subscription

    def update_subscription(self, subscription_id: str, params: dict, account: str | None) -> dict:
        """Only `cancel_at_period_end` is modelled: Stripe sets `cancel_at` to the period's end and
        sends customer.subscription.updated with what changed."""
        from tests.stripe.fake_stripe import StripeError

        subscription = self._get(subscription_id, "subscription", account)
        if "cancel_at_period_end" not in params:
            raise StripeError(400, "invalid_request_error", "The fake updates only cancel_at_period_end.")
        if subscription["status"] == "canceled":
            raise StripeError(400, "invalid_request_error",
                              "A canceled subscription can only update its cancellation_details and metadata.")
        wanted = str(params["cancel_at_period_end"]).lower() == "true"
        if subscription["cancel_at_period_end"] != wanted:
            previous = {"cancel_at_period_end": subscription["cancel_at_period_end"],
                        "cancel_at": subscription["cancel_at"]}
            end = subscription["items"]["data"][0]["current_period_end"]
            subscription.update(cancel_at_period_end=wanted, cancel_at=end if wanted else None)
            self.fake.emit("customer.subscription.updated", subscription, account=account,
                           previous_attributes=previous)
        return subscription

    def end_subscription_period(self, subscription_id: str) -> dict:
        """The period of a subscription set to cancel at its end runs out: Stripe ends it."""
        with self.fake.lock:
            subscription = self.objects[subscription_id]
            account = self.owner[subscription_id]
            now = int(time.time())
            subscription.update(status="canceled", canceled_at=now, ended_at=now)
        self.fake.emit("customer.subscription.deleted", subscription, account=account)
        return subscription

    # --- refunds ------------------------------------------------------------------------------

    def create_refund(self, params: dict, account: str | None) -> dict:
        from tests.stripe.fake_stripe import StripeError

        _required(params, "payment_intent")
        intent = self._get(params["payment_intent"], "payment_intent", account)
        if intent["status"] != "succeeded":
            raise StripeError(400, "invalid_request_error", "This PaymentIntent has not succeeded.",
                              "charge_not_refundable")
        refunded = sum(r["amount"] for r in self.objects.values()
                       if r.get("object") == "refund" and r["payment_intent"] == intent["id"])
        amount = int(params.get("amount") or intent["amount"] - refunded)
        if amount <= 0 or refunded + amount > intent["amount"]:
            raise StripeError(400, "invalid_request_error",
                              f"Refund amount ({amount}) is greater than unrefunded amount on charge.",
                              "amount_too_large", "amount")
        return self._put({"id": new_id("re"), "object": "refund", "amount": amount, "currency": intent["currency"],
                          "payment_intent": intent["id"], "charge": intent.get("latest_charge"),
                          "status": "succeeded", "reason": params.get("reason"),
                          "metadata": params.get("metadata", {}), "created": int(time.time())}, account)
