"""Billing the SMS a store sent beyond its plan ("bill" plans): once a period is over, its overage
becomes a pending invoice item on the store's Stripe customer, so it is charged with the next
plan invoice.

Run by the Stripe worker's tick. Each period is billed once: the item's id is recorded on the
period's row, and the request carries an idempotency key made from that row, so a tick that dies
between Stripe's answer and the commit sends the same request again and gets the same item back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.audit.service import record as audit
from hub_app.domain.billing.gateway import GatewayError
from hub_app.domain.billing.gateway_factory import get_gateway
from hub_app.domain.billing.models import SmsUsage, Subscription
from hub_app.domain.billing.money import stripe_currency, to_minor
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t

logger = logging.getLogger(__name__)


def _store_locale(db: Session, store_id: int) -> str:
    """The invoice line is read by the store's owner: in the store's language."""
    return db.scalar(select(Store.locale).where(Store.id == store_id)) or "en"


def _customer(db: Session, store_id: int) -> str | None:
    return db.scalar(select(Subscription.stripe_customer_id).where(
        Subscription.store_id == store_id, Subscription.stripe_customer_id.is_not(None)
    ).order_by(Subscription.id.desc()).limit(1))


def invoice_ended_periods(db: Session, ctx: TenantContext, now: datetime | None = None) -> int:
    """Turn the overage of every ended, not yet billed period into an invoice item; returns how many."""
    gateway = get_gateway()
    if gateway is None:
        return 0
    now = now or utcnow()
    due = db.scalars(select(SmsUsage).where(
        SmsUsage.period_end <= now, SmsUsage.overage > 0, SmsUsage.overage_unit_price.is_not(None),
        SmsUsage.stripe_invoice_item_id.is_(None)).order_by(SmsUsage.id)).all()
    billed = 0
    for usage in due:
        customer = _customer(db, usage.store_id)
        currency = stripe_currency(usage.currency)
        amount = to_minor(usage.overage_unit_price * usage.overage, currency)
        if customer is None or amount <= 0:  # a plan set by hand has nobody to bill on Stripe
            continue
        try:
            usage.stripe_invoice_item_id = gateway.create_invoice_item(
                customer_id=customer, amount=amount, currency=currency,
                description=t("billing.sms_overage_line", _store_locale(db, usage.store_id), count=usage.overage,
                              start=f"{usage.period_start:%Y-%m-%d}", end=f"{usage.period_end:%Y-%m-%d}"),
                metadata={"store_id": str(usage.store_id), "sms_usage_id": str(usage.id)},
                idempotency_key=f"sms-overage-{usage.id}")
        except GatewayError:  # Stripe is down or refused: the next tick tries again
            logger.warning("Could not bill the SMS overage of period %s", usage.id, exc_info=True)
            continue
        audit(db, ctx, entity=usage, action="sms_overage_billed", store_id=usage.store_id,
              after={"invoice_item": usage.stripe_invoice_item_id, "amount_minor": amount})
        billed += 1
    return billed
