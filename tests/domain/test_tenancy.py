"""A store's context can neither read nor write another store's rows, table by table.

Through the domain layer (ORM scoping) on both databases, and through raw SQL under PostgreSQL's
row-level security, where the policies must hold even for queries that forget the filter.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from hub_app.domain.errors import TenantViolation
from hub_app.domain.models import tenant_models
from hub_app.domain.tenancy import TenantContext
from hub_app.row_security import publish_rls
from hub_app.settings import get_settings
from tests.factories import make_client, make_store, one_of_each_tenant_row

TENANT_MODELS = tenant_models()


@pytest.fixture
def two_stores(db):
    store_a, manager_a = make_store(db, "alpha-store")
    store_b, manager_b = make_store(db, "beta-store")
    client = make_client(db)
    rows_a = one_of_each_tenant_row(db, store_a, client)
    rows_b = one_of_each_tenant_row(db, store_b, client)
    db.flush()
    return store_a, store_b, manager_a, rows_a, rows_b


def test_every_tenant_table_is_covered_by_the_probe(two_stores):
    _, _, _, rows_a, _ = two_stores
    assert set(TENANT_MODELS) == set(rows_a), "add the new tenant table to one_of_each_tenant_row"


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__tablename__)
def test_store_context_reads_only_its_own_rows(two_stores, session_for, model):
    store_a, store_b, manager_a, _, _ = two_stores
    ctx = TenantContext(store_id=store_a.id, user_id=manager_a.id, role=manager_a.role, home_store_id=store_a.id)
    session = session_for(ctx)
    store_ids = set(session.scalars(select(model.store_id)))
    assert store_ids == {store_a.id}
    # Even a direct filter for the other store finds nothing.
    assert session.scalars(select(model).where(model.store_id == store_b.id)).all() == []


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__tablename__)
def test_store_context_cannot_write_into_another_store(two_stores, session_for, model):
    store_a, store_b, manager_a, _, rows_b = two_stores
    ctx = TenantContext(store_id=store_a.id, user_id=manager_a.id, role=manager_a.role, home_store_id=store_a.id)
    session = session_for(ctx)
    # Insert a copy of store B's row, still saying store B.
    source = rows_b[model]
    values = {c.key: getattr(source, c.key) for c in sa.inspect(model).columns if c.key not in ("id",)}
    session.add(model(**values))
    with pytest.raises(TenantViolation):
        session.flush()
    session.rollback()
    # Move one of its own rows into store B.
    own = session.scalars(select(model)).first()
    own.store_id = store_b.id
    with pytest.raises(TenantViolation):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__tablename__)
def test_orm_update_and_delete_statements_are_scoped(two_stores, session_for, model):
    store_a, store_b, manager_a, _, _ = two_stores
    ctx = TenantContext(store_id=store_a.id, user_id=manager_a.id, role=manager_a.role, home_store_id=store_a.id)
    session = session_for(ctx)
    result = session.execute(sa.delete(model).where(model.store_id == store_b.id))
    assert result.rowcount == 0


def test_client_sees_own_bookings_in_every_store_and_nothing_else(two_stores, session_for):
    from hub_app.domain.bookings.models import Booking
    from hub_app.domain.scheduling.models import Service

    _, _, _, rows_a, _ = two_stores
    client_id = rows_a[Booking].client_user_id
    session = session_for(TenantContext(user_id=client_id, role=None))
    assert len(session.scalars(select(Booking)).all()) == 2
    assert session.scalars(select(Service)).all() == []


def test_system_context_sees_all_stores(two_stores, session_for):
    from hub_app.domain.scheduling.models import Calendar

    session = session_for(TenantContext.system())
    assert len(session.scalars(select(Calendar)).all()) == 2


def test_manager_cannot_switch_context_to_another_store(two_stores, session_for):
    store_a, store_b, manager_a, _, _ = two_stores
    ctx = TenantContext.for_user(manager_a, store_id=store_b.id)
    assert ctx.store_id == store_a.id
    with pytest.raises(TenantViolation):
        ctx.in_store(store_b.id)


# --- PostgreSQL row-level security, below the ORM ---------------------------------------------

def _set(conn, store_id, user_id=-1, bypass="off"):
    conn.execute(sa.text("SELECT set_config('app.store_id', :s, true), set_config('app.user_id', :u, true),"
                         " set_config('app.bypass_rls', :b, true)"), {"s": str(store_id), "u": str(user_id), "b": bypass})


@pytest.mark.postgresql_only
@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__tablename__)
def test_rls_raw_sql_sees_only_the_current_store(two_stores, connection, backend, model):
    assert backend == "postgresql"
    store_a, store_b, _, _, _ = two_stores
    table = model.__tablename__
    assert connection.execute(sa.text("SELECT current_user")).scalar() == get_settings().db_app_role
    _set(connection, store_a.id)
    ids = set(connection.execute(sa.text(f"SELECT DISTINCT store_id FROM {table}")).scalars())
    assert ids == {store_a.id}
    # Writing a row for store B while store A is current violates the policy.
    with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
        with connection.begin_nested():
            connection.execute(sa.text(f"UPDATE {table} SET store_id = :b WHERE store_id = :a"),
                               {"a": store_a.id, "b": store_b.id})
    _set(connection, "")
    assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
    # The old switch is just a setting any SQL can write: it unlocks nothing now.
    _set(connection, "", bypass="on")
    assert connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
    publish_rls(connection, None, None, bypass=True)  # the key only the app knows
    assert connection.execute(sa.text(f"SELECT count(DISTINCT store_id) FROM {table}")).scalar() == 2


@pytest.mark.postgresql_only
def test_rls_unset_connection_sees_no_tenant_rows(two_stores, engine, backend):
    assert backend == "postgresql"
    # A brand-new connection that never published a tenant: nothing in any tenant table.
    with engine.connect() as conn:
        for model in TENANT_MODELS:
            assert conn.execute(sa.text(f"SELECT count(*) FROM {model.__tablename__}")).scalar() == 0


@pytest.mark.postgresql_only
def test_an_anonymous_transaction_after_a_store_one_sees_no_tenant_rows(database_url, owner_engine, backend):
    """An anonymous unit of work publishes nothing (its own transaction starts with the settings
    unset); on a pooled connection that just served a store, it must still see nothing."""
    from hub_app import db as hub_db
    from tests.conftest import truncate_all

    assert backend == "postgresql"
    engine = hub_db.make_engine(database_url, pool_size=1)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        with hub_db.unit_of_work(TenantContext.system(), engine) as db:
            store, manager = make_store(db, "pooled-store")
            one_of_each_tenant_row(db, store, make_client(db))
        store_ctx = TenantContext(store_id=store.id, user_id=manager.id, role=manager.role, home_store_id=store.id)
        for _ in range(2):
            with hub_db.unit_of_work(store_ctx, engine) as db:
                assert db.execute(sa.text("SELECT count(*) FROM calendar")).scalar() == 1
            statements.clear()
            with hub_db.unit_of_work(TenantContext.anonymous(), engine) as db:
                for model in TENANT_MODELS:
                    assert db.execute(sa.text(f"SELECT count(*) FROM {model.__tablename__}")).scalar() == 0
            assert not [s for s in statements if "set_config" in s]
        assert engine.pool.checkedin() == 1  # one connection served every transaction
    finally:
        engine.dispose()
        truncate_all(owner_engine)
