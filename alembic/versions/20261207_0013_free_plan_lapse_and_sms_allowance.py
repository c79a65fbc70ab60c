"""Plans that hold: THE free plan, the past-due moment of a subscription, and SMS allowances.

- `subscription_plan.is_free` marks the plan whose limits a store gets without a live paid plan
  (at most one: a partial unique index). One is seeded: 1 calendar, 3 services, 50 bookings a
  month, no SMS. The admin edits its limits like any plan's.
- `subscription_plan.sms_overage` ("stop" | "bill") and `sms_overage_price`: what happens once
  the included SMS of a period are used up.
- `subscription.past_due_since`: the grace period after a failed payment counts from here.
- `sms_usage`: SMS handed to the provider per store and billing period, with the overage (and
  the Stripe invoice item that bills it once the period is over).
  A store's table, so it gets row-level security on PostgreSQL like the others (0002).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07
"""
from datetime import datetime, timezone
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from hub_app.domain import types as hub_types

revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 0010's policy, written out so this revision keeps meaning what it meant.
POLICY = ("(coalesce(current_setting('app.bypass_rls', true), '') <> '' AND (SELECT hub_rls_bypass()))"
          " OR (store_id = NULLIF(current_setting('app.store_id', true), '')::integer)")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # Plain ADD COLUMN on both dialects: a batch copy of a table would drop triggers set by 0006.
    op.add_column("subscription_plan", sa.Column("is_free", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("subscription_plan", sa.Column(
        "sms_overage", sa.Enum("stop", "bill", name="plan_sms_overage", native_enum=False, create_constraint=False,
                               length=8),
        nullable=False, server_default="stop"))
    op.add_column("subscription_plan", sa.Column("sms_overage_price", sa.Numeric(10, 2), nullable=True))
    op.add_column("subscription", sa.Column("past_due_since", hub_types.UTCDateTime(), nullable=True))
    if postgres:
        op.create_check_constraint("plan_sms_overage", "subscription_plan", "sms_overage IN ('stop', 'bill')")
        op.create_check_constraint("ck_plan_sms_overage_price", "subscription_plan",
                                   "sms_overage_price IS NULL OR sms_overage_price >= 0")
    op.create_index("uq_plan_free", "subscription_plan", ["is_free"], unique=True,
                    postgresql_where=sa.text("is_free"), sqlite_where=sa.text("is_free"))
    op.create_table(
        "sms_usage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("period_start", hub_types.UTCDateTime(), nullable=False),
        sa.Column("period_end", hub_types.UTCDateTime(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("included", sa.Integer(), nullable=True),
        sa.Column("overage", sa.Integer(), nullable=False),
        sa.Column("overage_unit_price", sa.Numeric(10, 2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stripe_invoice_item_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", hub_types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hub_types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("store_id", "period_start", name="uq_sms_usage_period"),
    )
    if postgres:
        op.execute("ALTER TABLE sms_usage ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE sms_usage FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON sms_usage USING ({POLICY}) WITH CHECK ({POLICY})")
        owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
        op.execute(f'CREATE POLICY owner_access ON sms_usage TO "{owner}" USING (true) WITH CHECK (true)')
    plans = sa.table("subscription_plan", sa.column("name", sa.String), sa.column("description", sa.Text),
                     sa.column("price_amount", sa.Numeric), sa.column("currency", sa.String),
                     sa.column("interval", sa.String), sa.column("max_services", sa.Integer),
                     sa.column("max_calendars", sa.Integer), sa.column("max_bookings_per_month", sa.Integer),
                     sa.column("sms_included", sa.Integer), sa.column("is_active", sa.Boolean),
                     sa.column("sort_order", sa.Integer), sa.column("is_free", sa.Boolean),
                     sa.column("sms_overage", sa.String), sa.column("created_at", hub_types.UTCDateTime()),
                     sa.column("updated_at", hub_types.UTCDateTime()))
    now = datetime.now(timezone.utc)
    op.execute(plans.insert().values(
        name="Free", description="What a store gets without a paid plan.", price_amount=0, currency="EUR",
        interval="month", max_services=3, max_calendars=1, max_bookings_per_month=50, sms_included=0,
        is_active=True, sort_order=0, is_free=True, sms_overage="stop", created_at=now, updated_at=now))


def downgrade() -> None:
    op.drop_table("sms_usage")
    op.execute("DELETE FROM subscription_plan WHERE is_free")
    op.drop_index("uq_plan_free", table_name="subscription_plan")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_plan_sms_overage_price", "subscription_plan", type_="check")
        op.drop_constraint("plan_sms_overage", "subscription_plan", type_="check")
    op.drop_column("subscription", "past_due_since")
    op.drop_column("subscription_plan", "sms_overage_price")
    op.drop_column("subscription_plan", "sms_overage")
    op.drop_column("subscription_plan", "is_free")
