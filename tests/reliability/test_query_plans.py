"""The app's PostgreSQL sessions plan every statement with its values (hub_app/db.py).

psycopg prepares a statement after its 5th run and PostgreSQL then soon uses a generic plan for
it, made without the values; under row-level security such plans lost the index bounds of the
dashboard's keyset pages and of availability (a list page of a store with 48,000 bookings: 70-120
ms instead of 15). The setting travels in the connection's startup options.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub_app.db import unit_of_work
from hub_app.domain.tenancy import TenantContext

pytestmark = pytest.mark.postgresql_only


def test_the_app_role_plans_each_statement_with_its_values(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar_one() == "force_custom_plan"
        assert conn.exec_driver_sql("SELECT current_user").scalar_one() != "postgres"  # the app role


def test_a_statement_run_often_is_never_given_a_generic_plan(engine):
    """The same statement 14 times in one session: psycopg prepares it on the server at the 5th
    run; PostgreSQL plans a prepared statement with its values 5 times, then (by default) goes
    generic when that looks no dearer, as it does for this one."""
    statement = sa.text("SELECT id FROM store WHERE id > :id ORDER BY id LIMIT 5")
    with unit_of_work(TenantContext.system(), engine) as db:
        for _ in range(14):
            db.execute(statement, {"id": 123456}).all()
        generic, custom = db.execute(sa.text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE starts_with(statement, 'SELECT id FROM store WHERE id > $1')")).one()
    assert (generic, custom) == (0, 9)
