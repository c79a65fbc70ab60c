"""Store and service edits are audited wherever they come from (a manager's dashboard or the API,
not only the admin): who, what changed, before and after; a save that changes nothing adds nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.audit.models import AuditEntry
from hub_app.domain.stores.administration import admin_update_store
from hub_app.domain.scheduling.service import (
    ServiceInput, archive_service, create_calendar, create_service, update_service,
)
from hub_app.domain.stores.service import update_store
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_store, make_user


def _entries(db, entity_type: str, entity_id: int) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type,
                                                    AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)))


def _haircut(calendar_id: int, **over) -> ServiceInput:
    values = dict(name="Haircut", description="Wash and cut", duration_minutes=30, min_persons=1, max_persons=1,
                  price_type="fixed", base_price_amount=Decimal("25.00"), calendar_ids=[calendar_id])
    values.update(over)
    return ServiceInput(**values)


def test_a_manager_editing_the_store_is_audited_with_only_what_changed(db, session_for):
    store, manager = make_store(db, "audit-salon")
    ctx = TenantContext.for_user(manager)
    work = session_for(ctx)
    old_name, old_city = store.name, store.city
    update_store(work, ctx, store.id, {"name": "Audit Salon & Spa", "city": old_city})
    update_store(work, ctx, store.id, {"name": "Audit Salon & Spa"})  # no change: no entry

    [entry] = _entries(work, "store", store.id)
    assert (entry.action, entry.actor_user_id, entry.actor_role, entry.store_id) == (
        "updated", manager.id, UserRole.STORE_MANAGER.value, store.id)
    assert entry.before == {"name": old_name}
    assert entry.after == {"name": "Audit Salon & Spa"}


def test_an_admin_edit_is_audited_once(db):
    store, _ = make_store(db, "audit-once")
    admin = make_user(db, UserRole.ADMIN)
    admin_update_store(db, TenantContext.for_user(admin), store.id, {"name": "Renamed by admin"})
    [entry] = _entries(db, "store", store.id)
    assert (entry.actor_user_id, entry.after) == (admin.id, {"name": "Renamed by admin"})


def test_a_manager_creating_editing_and_archiving_a_service_is_audited(db, session_for):
    store, manager = make_store(db, "audit-services")
    ctx = TenantContext.for_user(manager)
    work = session_for(ctx)
    calendar = create_calendar(work, ctx, "Chair 1")
    service = create_service(work, ctx, _haircut(calendar.id))
    update_service(work, ctx, service.id, _haircut(calendar.id, base_price_amount=Decimal("30.00")))
    archive_service(work, ctx, service.id, True)
    archive_service(work, ctx, service.id, False)

    entries = _entries(work, "service", service.id)
    assert [e.action for e in entries] == ["created", "updated", "archived", "restored"]
    assert all(e.actor_user_id == manager.id and e.store_id == store.id for e in entries)
    assert entries[0].after["name"] == "Haircut"
    assert (entries[1].before, entries[1].after) == ({"base_price_amount": "25.00"}, {"base_price_amount": "30.00"})
    assert (entries[2].before, entries[2].after) == ({"is_archived": False}, {"is_archived": True})
