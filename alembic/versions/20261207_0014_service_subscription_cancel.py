"""Recurring services a client can see and cancel: `service_subscription.cancel_at_period_end`,
and a client reads their own subscriptions in every store.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A cancelled recurring service keeps the period already paid for (Stripe ends it then), so the row
must say "cancels at period end" while its status is still live. `/account` lists a client's
subscriptions across stores, as it lists their bookings: the `tenant_isolation` policy of
`service_subscription` lets a client read their own rows in every store (like `booking`'s in
0010), while writes stay within the store in context.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: Union[str, Sequence[str], None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 0010's policy, written out so this revision keeps meaning what it meant.
BYPASS = "coalesce(current_setting('app.bypass_rls', true), '') <> '' AND (SELECT hub_rls_bypass())"
SAME_STORE = "store_id = NULLIF(current_setting('app.store_id', true), '')::integer"
OWN_ROWS = "client_user_id = NULLIF(current_setting('app.user_id', true), '')::integer"


def _any(*parts: str) -> str:
    return " OR ".join(f"({p})" for p in parts)


def _policy(using: str, check: str) -> None:
    op.execute("DROP POLICY IF EXISTS tenant_isolation ON service_subscription")
    op.execute(f"CREATE POLICY tenant_isolation ON service_subscription USING ({using}) WITH CHECK ({check})")


def upgrade() -> None:
    with op.batch_alter_table("service_subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    if op.get_bind().dialect.name == "postgresql":
        _policy(_any(BYPASS, SAME_STORE, OWN_ROWS), _any(BYPASS, SAME_STORE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _policy(_any(BYPASS, SAME_STORE), _any(BYPASS, SAME_STORE))
    with op.batch_alter_table("service_subscription", schema=None) as batch_op:
        batch_op.drop_column("cancel_at_period_end")
