"""The SMS a "bill" plan's store sent beyond its allowance are billed once the period is over: one
pending invoice item on the store's Stripe customer (the real client against the fake), once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.domain.billing.models import SmsUsage, Subscription
from hub_app.domain.billing.sms_overage import invoice_ended_periods
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from tests.stripe.helpers import load, rows
from tests.stripe.test_subscriptions import admin_ctx, make_plan, subscribe_store, sync

SYSTEM = TenantContext.system()


def bill(now=None) -> int:
    with hub_db.unit_of_work(SYSTEM) as db:
        return invoice_ended_periods(db, SYSTEM, now)


def test_an_ended_periods_overage_becomes_one_invoice_item(shop, worker):
    fake = shop.fake
    plan_id = make_plan()
    sync(admin_ctx())
    fake.pay_checkout_session(subscribe_store(shop, plan_id))
    worker()
    [sub] = rows(select(Subscription))
    with hub_db.unit_of_work(SYSTEM) as db:
        ended = SmsUsage(store_id=shop.store_id, period_start=utcnow() - timedelta(days=31),
                         period_end=utcnow() - timedelta(days=1), sent=103, included=100, overage=3,
                         overage_unit_price=Decimal("0.08"), currency="EUR")
        running = SmsUsage(store_id=shop.store_id, period_start=utcnow() - timedelta(days=1),
                           period_end=utcnow() + timedelta(days=29), sent=120, included=100, overage=20,
                           overage_unit_price=Decimal("0.08"), currency="EUR")
        db.add_all([ended, running])
        db.flush()
        ended_id, running_id = ended.id, running.id

    fake.fail_next("POST", "/v1/invoiceitems", status=400, error_type="invalid_request_error",
                   message="No such customer", code="resource_missing")
    assert bill() == 0                       # Stripe refused: nothing recorded, tried again next tick
    assert load(SmsUsage, ended_id).stripe_invoice_item_id is None
    assert bill() == 1
    assert bill() == 0                       # billed once
    item_id = load(SmsUsage, ended_id).stripe_invoice_item_id
    item = fake.object(item_id)
    assert (item["amount"], item["currency"], item["customer"]) == (24, "eur", sub.stripe_customer_id)
    assert item["metadata"]["sms_usage_id"] == str(ended_id)
    assert load(SmsUsage, running_id).stripe_invoice_item_id is None   # its period is not over
    attempts = fake.requests_to("POST", "/v1/invoiceitems")
    assert len({r.headers.get("idempotency-key") for r in attempts}) == 1   # the retry was the same request
