"""Calendar sync: CalDAV connections per calendar, their sources, remote objects, the events the
hub wrote, overlaps found, and ICS subscription feeds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Busy time read remotely goes into the existing `external_busy_time` table, whose triggers
(0006) already invalidate cached availability; no new trigger is needed. Every new table holds
one store's data and gets the row-level security of 0010 on PostgreSQL: its own store's rows,
or cross-store work proven with the app's key, and the owner's access.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
from hub_app.domain import types as hub_types

revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


TABLES = ["calendar_connection", "calendar_feed", "calendar_sync_conflict", "calendar_sync_event",
          "calendar_sync_item", "calendar_sync_source"]
# 0010's policy, written out so this revision keeps meaning what it meant.
POLICY = ("(coalesce(current_setting('app.bypass_rls', true), '') <> '' AND (SELECT hub_rls_bypass())) OR "
          "(store_id = NULLIF(current_setting('app.store_id', true), '')::integer)")


def upgrade() -> None:
    op.create_table('calendar_connection',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('caldav', 'ics_url', name='calendar_connection_kind', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('server_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('password_encrypted', sa.Text(), nullable=True),
    sa.Column('target_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('state', sa.Enum('active', 'error', 'paused', name='calendar_connection_state', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('last_synced_at', hub_types.UTCDateTime(), nullable=True),
    sa.Column('last_pushed_at', hub_types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('last_error_at', hub_types.UTCDateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('push_lease_until', hub_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendar.id'], name=op.f('fk_calendar_connection_calendar_id_calendar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_connection_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_connection')),
    sa.UniqueConstraint('calendar_id', 'kind', name='uq_calendar_connection_calendar_id')
    )
    with op.batch_alter_table('calendar_connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_connection_store_id'), ['store_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('show_client_names', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', hub_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendar.id'], name=op.f('fk_calendar_feed_calendar_id_calendar'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_feed_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name='uq_calendar_feed_token_hash')
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_store_id'), ['store_id'], unique=False)

    op.create_table('calendar_sync_conflict',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('remote_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('start_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('end_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', hub_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_calendar_sync_conflict_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_calendar_sync_conflict_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_sync_conflict_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sync_conflict')),
    sa.UniqueConstraint('booking_id', 'remote_key', name='uq_calendar_sync_conflict_booking_id')
    )
    with op.batch_alter_table('calendar_sync_conflict', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_sync_conflict_store_open', ['store_id', 'resolved_at'], unique=False)

    op.create_table('calendar_sync_event',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('href', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('start_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('end_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_calendar_sync_event_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_calendar_sync_event_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_sync_event_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sync_event')),
    sa.UniqueConstraint('connection_id', 'uid', name='uq_calendar_sync_event_connection_id')
    )
    with op.batch_alter_table('calendar_sync_event', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_sync_event_booking', ['booking_id'], unique=False)

    op.create_table('calendar_sync_source',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('remote_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('sync_token', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('ctag', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_calendar_sync_source_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_sync_source_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sync_source')),
    sa.UniqueConstraint('connection_id', 'remote_url', name='uq_calendar_sync_source_connection_id')
    )
    op.create_table('calendar_sync_item',
    sa.Column('created_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hub_types.UTCDateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('href', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('recurring_ics', sa.Text(), nullable=True),
    sa.Column('expanded_until', hub_types.UTCDateTime(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['calendar_sync_source.id'], name=op.f('fk_calendar_sync_item_source_id_calendar_sync_source'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_calendar_sync_item_store_id_store'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sync_item')),
    sa.UniqueConstraint('source_id', 'href', name='uq_calendar_sync_item_source_id')
    )

    if op.get_bind().dialect.name == "postgresql":
        owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")
            op.execute(f'CREATE POLICY owner_access ON {table} TO "{owner}" USING (true) WITH CHECK (true)')


def downgrade() -> None:
    op.drop_table('calendar_sync_item')
    op.drop_table('calendar_sync_source')
    with op.batch_alter_table('calendar_sync_event', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_sync_event_booking')

    op.drop_table('calendar_sync_event')
    with op.batch_alter_table('calendar_sync_conflict', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_sync_conflict_store_open')

    op.drop_table('calendar_sync_conflict')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_store_id'))

    op.drop_table('calendar_feed')
    with op.batch_alter_table('calendar_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_connection_store_id'))

    op.drop_table('calendar_connection')
