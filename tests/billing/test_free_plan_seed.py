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
