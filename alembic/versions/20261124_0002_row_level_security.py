"""Row-level security on every tenant table, and the app role it applies to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

PostgreSQL only (SQLite has no RLS; the ORM scoping in hub_app.domain.tenancy covers it). A row is
visible and writable when the transaction's `app.store_id` is its store, or under the explicit
`app.bypass_rls = on` used by admin and system work. Bookings are also visible to their own
client (`app.user_id`), who books in many stores. The app connects, or SET ROLEs, as a role
without superuser or BYPASSRLS, and FORCE makes the policies apply to the tables' owner too.
"""
from typing import Sequence, Union

from alembic import op

from hub_app.settings import get_settings

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Written out rather than read from the models, so this migration keeps meaning what it meant.
TENANT_TABLES = [
    "audit_log", "blocked_period", "booking", "calendar", "calendar_service", "calendar_slot",
    "calendly_connection", "calendly_event_type_link", "date_override", "external_busy_time",
    "notification", "notification_template", "opening_rule", "payment", "service",
    "service_subscription", "store_photo", "subscription",
]

BYPASS = "current_setting('app.bypass_rls', true) = 'on'"
SAME_STORE = "store_id = NULLIF(current_setting('app.store_id', true), '')::integer"
OWN_BOOKING = "client_user_id = NULLIF(current_setting('app.user_id', true), '')::integer"


def _policy_expression(table: str) -> str:
    parts = [BYPASS, SAME_STORE]
    if table == "booking":
        parts.append(OWN_BOOKING)
    return " OR ".join(f"({p})" for p in parts)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    role = get_settings().db_app_role
    if role:
        op.execute(
            f"""
            DO $$
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS;
              END IF;
              -- The login user must be able to SET ROLE to it.
              IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE format('GRANT %I TO %I', '{role}', current_user);
              END IF;
            END $$;
            """
        )
        op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        # Tables added by later migrations get the same grants.
        op.execute(
            f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
        )
        op.execute(f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"')
    for table in TENANT_TABLES:
        expression = _policy_expression(table)
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} USING ({expression}) WITH CHECK ({expression})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
