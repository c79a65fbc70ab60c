"""Payments of a client's recurring service: payment.service_subscription_id.

A payment now targets exactly one of a booking, a store subscription or a service subscription.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-24 03:31:48.409391
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ONE_OF_TWO = ("(CASE WHEN booking_id IS NULL THEN 0 ELSE 1 END)"
              " + (CASE WHEN subscription_id IS NULL THEN 0 ELSE 1 END) = 1")
ONE_OF_THREE = ("(CASE WHEN booking_id IS NULL THEN 0 ELSE 1 END)"
                " + (CASE WHEN subscription_id IS NULL THEN 0 ELSE 1 END)"
                " + (CASE WHEN service_subscription_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_subscription_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_service_subscription_id'), ['service_subscription_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_service_subscription_id_service_subscription'), 'service_subscription', ['service_subscription_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint('ck_payment_one_target', type_='check')
        batch_op.create_check_constraint('ck_payment_one_target', ONE_OF_THREE)


def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('ck_payment_one_target', type_='check')
        batch_op.create_check_constraint('ck_payment_one_target', ONE_OF_TWO)
        batch_op.drop_constraint(batch_op.f('fk_payment_service_subscription_id_service_subscription'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_service_subscription_id'))
        batch_op.drop_column('service_subscription_id')
