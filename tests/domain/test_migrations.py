"""The migrations build exactly the models' schema, on SQLite and PostgreSQL, both ways."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub_app.cli import alembic_config
from hub_app.domain import models
from tests.conftest import without_free_plan_limits


def _diff(url: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": models.compared_in_schema_checks})
            return compare_metadata(ctx, models.metadata)
    finally:
        engine.dispose()


def test_no_drift_between_models_and_migrations(database_url):
    assert _diff(database_url) == []


def test_alembic_check_command_passes(database_url):
    command.check(alembic_config(database_url))


def test_downgrade_to_base_then_upgrade_again(database_url, backend):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = sa.create_engine(database_url)
    try:
        remaining = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    assert _diff(database_url) == []
    # The upgrade seeded the free plan again (0013): unflag it as the session's database had it,
    # or every later test in this session would run under the free plan's limits.
    without_free_plan_limits(database_url)


def test_every_spec_entity_has_a_table():
    spec = {"app_user", "store", "service", "calendar", "calendar_slot", "booking", "payment",
            "subscription_plan", "subscription", "notification"}
    additions = {"opening_rule", "date_override", "blocked_period", "calendar_service", "audit_log",
                 "webhook_event", "external_busy_time", "auth_session"}
    assert spec | additions <= set(models.metadata.tables)


def test_money_columns_are_decimal_never_float():
    for table in models.metadata.tables.values():
        for column in table.columns:
            assert not isinstance(column.type, sa.Float), f"{table.name}.{column.name} is a float"
            if column.name.endswith("amount") or column.name == "amount":
                assert isinstance(column.type, sa.Numeric) and column.type.scale == 2, column
