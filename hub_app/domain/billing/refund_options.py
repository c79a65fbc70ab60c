"""What a manager may still refund on one booking: each paid charge, what is left of it, the refunds
already made, and the amount the cancellation policy suggests (a client cancelling now).

The suggestion is spread over the charges newest first and capped by what is left of each, the
same order `refund_for_cancellation` uses, so the dashboard proposes what the policy would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub_app.domain.billing.models import Payment, PaymentKind, PaymentRecordStatus
from hub_app.domain.billing.refunds import cancellation_refund_amount, refunded_so_far
from hub_app.domain.bookings.models import Booking
from hub_app.domain.errors import NotFound
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import Store
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t


@dataclass(frozen=True)
class RefundMade:
    id: int
    amount: Decimal
    status: str
    made_at: datetime | None


@dataclass(frozen=True)
class RefundableCharge:
    id: int
    amount: Decimal
    currency: str
    payment_method: str | None
    paid_at: datetime | None
    left: Decimal
    suggested: Decimal
    refunds: list[RefundMade] = field(default_factory=list)


def refundable_charges(db: Session, ctx: TenantContext, booking_id: int,
                       now: datetime | None = None) -> list[RefundableCharge]:
    """The booking's charges (paid, or already refunded in full), newest first."""
    require(ctx, Feature.MANAGE_BOOKINGS)
    booking = db.get(Booking, booking_id)
    if booking is None:
        raise NotFound(t("booking.not_found", ctx.locale))
    store = db.get(Store, booking.store_id)
    policy_left = cancellation_refund_amount(booking, store, by_store=False, cancelled_at=now or utcnow())
    charges = db.scalars(select(Payment).where(
        Payment.booking_id == booking.id, Payment.kind == PaymentKind.CHARGE,
        Payment.status.in_((PaymentRecordStatus.SUCCEEDED, PaymentRecordStatus.REFUNDED)))
        .order_by(Payment.id.desc())).all()
    found: list[RefundableCharge] = []
    for charge in charges:
        left = max(Decimal(charge.amount) - refunded_so_far(db, charge), Decimal("0.00"))
        suggested = min(policy_left, left)
        policy_left -= suggested
        made = db.scalars(select(Payment).where(Payment.refund_of_payment_id == charge.id)
                          .order_by(Payment.id)).all()
        found.append(RefundableCharge(
            id=charge.id, amount=Decimal(charge.amount), currency=charge.currency,
            payment_method=charge.payment_method, paid_at=charge.payment_date, left=left,
            suggested=suggested.quantize(Decimal("0.01")),
            refunds=[RefundMade(id=r.id, amount=Decimal(r.amount), status=r.status.value, made_at=r.payment_date)
                     for r in made]))
    return found
