"""Webhook inbox: which secret verified a delivery, attempts counted before the work, refusals.

- `verified_by`: the Stripe signing secret (platform or Connect endpoint) that verified the
  delivery; platform-only events are accepted only from the platform endpoint.
- `last_attempt_at` and the status "started": an attempt is counted and committed before its
  work begins, so a worker that dies mid-apply still used it up.
- Status "refused": a genuine delivery that claims what its sender may not (another store's
  booking, an amount the app never asked for), never applied.
- Index (provider, status, received_at): every worker-side inbox query filters by provider.
- `payment.checkout_request_key`: the idempotency key of the Checkout session the app opens for a
  payment, recorded before Stripe is called (the call runs outside any transaction).

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-07
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from hub_app.domain import types as hub_types

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_STATUSES = ("received", "processed", "failed", "ignored")
NEW_STATUSES = ("received", "started", "processed", "failed", "ignored", "refused")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_attempt_at", hub_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.Enum("platform", "connect", name="webhook_verified_by",
                                                             native_enum=False, create_constraint=False,
                                                             length=12), nullable=True))
        batch_op.create_check_constraint("webhook_verified_by", _in("verified_by", ("platform", "connect")))
        batch_op.drop_constraint("inbox_status", type_="check")
        batch_op.create_check_constraint("inbox_status", _in("status", NEW_STATUSES))
        batch_op.create_index("ix_webhook_event_provider_status", ["provider", "status", "received_at"],
                              unique=False)
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkout_request_key", sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint("uq_payment_checkout_request_key", ["checkout_request_key"])


def downgrade() -> None:
    # Rows only the new code writes go back to the nearest old state.
    op.execute("UPDATE webhook_event SET status = 'received' WHERE status = 'started'")
    op.execute("UPDATE webhook_event SET status = 'ignored' WHERE status = 'refused'")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_checkout_request_key", type_="unique")
        batch_op.drop_column("checkout_request_key")
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_event_provider_status")
        batch_op.drop_constraint("inbox_status", type_="check")
        batch_op.create_check_constraint("inbox_status", _in("status", OLD_STATUSES))
        batch_op.drop_constraint("webhook_verified_by", type_="check")
        batch_op.drop_column("verified_by")
        batch_op.drop_column("last_attempt_at")
