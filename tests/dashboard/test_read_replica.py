"""Analytics reads on the streaming replica (DATABASE_REPLICA_URL), and the fallback to the primary
when the replica lags or is down (hub_app/read_replica.py).

The "replica" here is the test database reached through a read-only session
(default_transaction_read_only), so a page that tried to write on it would fail; a real hot
standby is exercised by tests/stack/test_stack.py.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from bench.procs import free_port
from hub_app import db as hub_db
from hub_app import read_replica
from hub_app.db import unit_of_work
from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.platform.analytics import platform_analytics
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.overview import present as overview_section
from hub_app.manage.shell import present as shell_section
from hub_app.settings import reset_settings_cache
from tests.factories import make_store, make_user

pytestmark = pytest.mark.postgresql_only

READ_ONLY = "?options=" + quote("-c default_transaction_read_only=on")


@pytest.fixture
def replica_at(committed_engine, monkeypatch):
    def point(url: str, **settings: str) -> None:
        monkeypatch.setenv("DATABASE_REPLICA_URL", url)
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        reset_settings_cache()
        read_replica.reset_replica_cache()

    yield point
    read_replica.reset_replica_cache()


def _manager_ctx() -> TenantContext:
    with unit_of_work(TenantContext.system()) as db:
        _store, manager = make_store(db, "replica-salon")
        manager_id = manager.id
    with unit_of_work(TenantContext.system()) as db:
        return TenantContext.for_user(db.get(AppUser, manager_id))


def test_a_caught_up_replica_serves_the_overview_and_the_admin_analytics_read_only(replica_at, database_url):
    replica_at(database_url + READ_ONLY)
    ctx = _manager_ctx()
    engine = read_replica.analytics_engine()
    assert engine is not hub_db.get_engine() and engine.url.username == "hub_tenant"
    today = shell_section.store_today(ctx)
    overview = overview_section.overview_data(ctx, today, today)
    assert overview["totals"]["bookings"] == "0"
    with unit_of_work(TenantContext.system()) as db:
        admin = TenantContext.for_user(make_user(db, UserRole.ADMIN))
    with read_replica.analytics_unit_of_work(admin) as db:
        figures = platform_analytics(db, admin)
        assert db.get_bind() is engine
    assert sum(share.stores for share in figures.stores_by_plan) == 1
    # The same session refuses a write: the overview above really ran read-only.
    with pytest.raises(Exception, match="read-only transaction"):
        with read_replica.analytics_unit_of_work(TenantContext.system()) as db:
            db.execute(sa.text("UPDATE store SET name = name"))


def test_a_replica_too_far_behind_sends_the_reads_to_the_primary_until_it_catches_up(replica_at, database_url,
                                                                                   monkeypatch):
    replica_at(database_url + READ_ONLY, REPLICA_MAX_LAG_SECONDS="10")
    lag = {"seconds": 45.0}
    monkeypatch.setattr(read_replica.ReplicaRouter, "lag_seconds", lambda self: lag["seconds"])
    router = read_replica._router()
    assert read_replica.analytics_engine() is hub_db.get_engine()
    ctx = _manager_ctx()
    today = shell_section.store_today(ctx)
    assert overview_section.overview_data(ctx, today, today)["totals"]["bookings"] == "0"
    lag["seconds"] = 2.0
    assert read_replica.analytics_engine() is hub_db.get_engine()  # the verdict is kept for a while
    router._verdict.checked_at -= read_replica.CHECK_INTERVAL
    assert read_replica.analytics_engine() is router.replica


def test_the_lag_query_reads_a_primary_as_not_behind(replica_at, database_url):
    replica_at(database_url)
    assert read_replica._router().lag_seconds() == 0


def test_a_replica_that_is_down_leaves_the_pages_working_on_the_primary(replica_at, database_url):
    down = database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/nowhere"
    replica_at(down)
    ctx = _manager_ctx()
    assert read_replica.analytics_engine() is hub_db.get_engine()
    today = shell_section.store_today(ctx)
    assert overview_section.overview_data(ctx, today, today)["totals"]["bookings"] == "0"
