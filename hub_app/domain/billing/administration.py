"""The admin's refund of a payment, through the payments domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub_app.domain.billing import refunds
from hub_app.domain.billing.models import Payment
from hub_app.domain.errors import NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t


def refund_payment(db: Session, ctx: TenantContext, payment_id: int):
    """Refund through the payments domain; a clear refusal when refunds are not configured."""
    require(ctx, Feature.FULL_DATA_ACCESS)
    payment = db.get(Payment, payment_id)
    if payment is None:
        raise NotFound(t("admin.not_found", ctx.locale))
    return refunds.refund_payment(db, ctx, payment.id)
