"""Fixtures: a real Radicale server per test session, and a store with one calendar."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.scheduling.service import ServiceInput, create_calendar, create_service, set_weekly_hours
from hub_app.domain.tenancy import TenantContext
from tests.calendar_sync.radicale_server import RadicaleServer, start_radicale, stop_radicale
from tests.factories import make_store


@pytest.fixture(scope="session")
def radicale(tmp_path_factory) -> RadicaleServer:
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    stop_radicale(server)


@dataclass
class SyncShop:
    store_id: int
    slug: str
    manager_id: int
    calendar_id: int
    service_id: int
    tz: ZoneInfo

    def manager_ctx(self) -> TenantContext:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            return TenantContext.for_user(db.get(AppUser, self.manager_id))


def build_sync_shop(tz: str = "Europe/Athens") -> SyncShop:
    with hub_db.unit_of_work(TenantContext.system()) as db:
        store, manager = make_store(db, timezone=tz, min_notice_minutes=0, booking_horizon_days=3650,
                                    cancellation_cutoff_hours=0)
        store_id, slug, manager_id = store.id, store.slug, manager.id
    with hub_db.unit_of_work(TenantContext.system()) as db:
        ctx = TenantContext.for_user(db.get(AppUser, manager_id))
        calendar = create_calendar(db, ctx, "Chair 1")
        set_weekly_hours(db, ctx, calendar.id, [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)])
        service = create_service(db, ctx, ServiceInput(name="Haircut", duration_minutes=30, price_type="fixed",
                                                       base_price_amount=Decimal("25.00"), calendar_ids=[calendar.id]))
        return SyncShop(store_id, slug, manager_id, calendar.id, service.id, ZoneInfo(tz))


@pytest.fixture
def shop(committed_engine) -> SyncShop:
    return build_sync_shop()
