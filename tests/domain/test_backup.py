"""A backup restored gives back every booking, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub_app.backup import backup, restore
from hub_app.domain.billing.models import Payment
from hub_app.domain.bookings.models import Booking
from hub_app.domain.tenancy import TenantContext
from tests.factories import make_client, make_store, one_of_each_tenant_row


def _count(engine) -> int:
    with Session(engine) as s:
        s.info["tenant"] = TenantContext.system()
        return s.scalar(select(func.count()).select_from(Booking))


def test_backup_then_restore_gives_back_every_booking(committed_engine, owner_engine, database_url, tmp_path):
    with Session(owner_engine) as s:
        s.info["tenant"] = TenantContext.system()
        for slug in ("backup-a", "backup-b"):
            store, _ = make_store(s, slug)
            one_of_each_tenant_row(s, store, make_client(s))
        s.commit()
    before = _count(committed_engine)
    assert before == 2
    path = backup(tmp_path / "hub.backup", database_url)
    assert path.stat().st_size > 0
    # Change and lose data after the backup: the restore must bring back the backed-up state.
    with owner_engine.begin() as conn:
        conn.execute(Booking.__table__.update().values(notes="changed after backup"))
        conn.execute(delete(Payment.__table__))
    committed_engine.dispose()
    owner_engine.dispose()
    restore(path, database_url)
    assert _count(committed_engine) == before
    with Session(committed_engine) as s:
        s.info["tenant"] = TenantContext.system()
        assert all(b.notes is None for b in s.scalars(select(Booking)))
        assert s.scalar(select(func.count()).select_from(Payment)) == 2
