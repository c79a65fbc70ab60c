"""A fresh database has THE free plan, with the limits a store without a paid plan gets."""

from __future__ import annotations

import sqlalchemy as sa

from hub_app.cli import migrate


def test_the_migration_seeds_one_free_plan(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrate(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT name, price_amount, max_calendars, max_services, max_bookings_per_month, sms_included,"
                " sms_overage FROM subscription_plan WHERE is_free")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("Free", 0, 1, 3, 50, 0, "stop")]


def test_the_demo_store_subscribes_to_a_paid_plan_beside_the_free_one(committed_engine):
    from hub_app import db as hub_db
    from hub_app.demo import DEMO_SLUG, seed_demo
    from hub_app.domain.billing.limits import PAID, limits_in_force
    from hub_app.domain.stores.models import Store
    from hub_app.domain.tenancy import TenantContext
    from tests.billing.helpers import flag_free_plan

    with hub_db.unit_of_work(TenantContext.system()) as db:
        flag_free_plan(db)
    seed_demo()
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store = db.scalar(sa.select(Store).where(Store.slug == DEMO_SLUG))
        limits = limits_in_force(db, store)
        assert (limits.state, limits.plan.name) == (PAID, "Professional")
