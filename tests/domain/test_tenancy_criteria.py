"""Tenant criteria go only to the tables a statement reads, and that never loses one.

Each ORM statement gets the loader criteria of the tenant tables found in it (`tenant_models_in`),
not of all 18. Whatever the statement's shape, the SQL must come out exactly as it would with
every criterion attached.
"""

from __future__ import annotations

import gc
import weakref

import pytest
import sqlalchemy as sa
from sqlalchemy import exists, func, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel

from hub_app.domain.bookings.inputs import _bookings_statement, _busy_statement, _calendars_statement
from hub_app.domain.bookings.models import Booking
from hub_app.domain.models import tenant_models
from hub_app.domain.notifications.models import Notification, NotificationTemplate
from hub_app.domain.scheduling.models import Calendar, CalendarService, Service
from hub_app.domain.stores.models import Store
from hub_app.domain.notifications.templates import _templates_of_kind
from hub_app.domain.tenancy import _SCOPED, TenantContext, _criterion, scoped_statement, tenant_models_in
from tests.factories import make_client, make_store, one_of_each_tenant_row

STORE_ID, USER_ID = 7, 11
OTHER = aliased(Booking)


def _shapes() -> dict[str, sa.Executable]:
    return {
        "entity": select(Booking).where(Booking.id == 1),
        "columns only": select(Booking.calendar_id, Booking.start_at),
        "join on a clause": select(Booking).join(Service, Service.id == Booking.service_id),
        "join on the foreign key": select(Booking.id).join(Service),
        "outer join": select(Calendar.id).outerjoin(CalendarService, CalendarService.calendar_id == Calendar.id),
        "exists": select(Store.id).where(exists().where(Booking.store_id == Store.id)),
        "scalar subquery": select(Store.id, select(func.count(Booking.id))
                                  .where(Booking.store_id == Store.id).scalar_subquery()),
        "in subquery": select(Store).where(Store.id.in_(select(Calendar.store_id))),
        "from a subquery": select(func.count()).select_from(select(Calendar.id).subquery()),
        "cte": select(func.count()).select_from(select(Notification.id).cte("sent")),
        "alias": select(OTHER).where(OTHER.id == 1),
        "self join": select(Booking.id).join(OTHER, OTHER.rescheduled_from_id == Booking.id),
        "union": union_all(select(Calendar.id), select(NotificationTemplate.id)),
        "count": select(func.count()).select_from(Booking),
        "update": sa.update(Booking).where(Booking.id == 1).values(notes="x"),
        "delete": sa.delete(Notification).where(Notification.id == 1),
        "availability calendars": _calendars_statement(),
        "availability, listed calendars": _calendars_statement(listed_only=True),
        "availability busy times": _busy_statement(),
        "bookings under the lock": _bookings_statement(),
        "bookings under the lock, with the repeat": _bookings_statement(repeat=True),
        "availability busy times, with the repeat": _busy_statement(repeat=True),
        "no tenant table": select(Store).where(Store.slug == "x"),
    }


def _sql(statement, models, dialect) -> str:
    options = [_criterion(model, STORE_ID, USER_ID) for model in models]
    scoped = statement.options(*options) if options else statement
    return str(scoped.compile(dialect=dialect))


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
@pytest.mark.parametrize("shape", list(_shapes()))
def test_the_found_tables_give_the_same_sql_as_every_criterion(shape, dialect):
    statement = _shapes()[shape]
    found = tenant_models_in(statement)
    assert _sql(statement, found, dialect) == _sql(statement, tenant_models(), dialect)
    if shape != "no tenant table":
        assert found, "a statement over tenant tables found none"


def test_what_is_found_is_remembered_per_statement():
    statement = _busy_statement()
    assert tenant_models_in(statement) is tenant_models_in(statement)


def test_no_model_has_relationships():
    # tenant_models_in relies on it: a relationship could bring a table in at compile time
    # (eager loading) that the statement does not show.
    assert not [m.class_.__name__ for m in SQLModel._sa_registry.mappers if m.relationships]


def _two_stores_with_rows(db, name: str):
    """Two stores (with their managers), each with a row in every tenant table."""
    client = make_client(db)
    stores = [make_store(db, f"{prefix}-{name}") for prefix in ("alpha", "beta")]
    for store, _ in stores:
        one_of_each_tenant_row(db, store, client)
    db.flush()
    return stores


def _manager_context(store, manager) -> TenantContext:
    return TenantContext(store_id=store.id, user_id=manager.id, role=manager.role, home_store_id=store.id)


def test_a_table_read_only_inside_a_subquery_is_still_scoped(db, session_for):
    (store_a, manager_a), _ = _two_stores_with_rows(db, "sub")
    session = session_for(_manager_context(store_a, manager_a))
    in_subquery = session.scalar(select(func.count()).select_from(select(Calendar.id).subquery()))
    assert in_subquery == session.scalar(select(func.count()).select_from(Calendar)) >= 1
    assert set(session.scalars(select(Calendar.store_id).where(Calendar.id.in_(select(Calendar.id))))) == {store_a.id}


def test_a_statement_is_scoped_once_per_store_and_user():
    statement = _busy_statement()
    models = tenant_models_in(statement)
    first = scoped_statement(statement, models, (STORE_ID, USER_ID))
    assert scoped_statement(statement, models, (STORE_ID, USER_ID)) is first
    other = scoped_statement(statement, models, (STORE_ID + 1, USER_ID))
    assert other is not first
    # Each copy carries its own store's value.
    assert STORE_ID in first.compile().params.values()
    assert STORE_ID + 1 in other.compile().params.values()
    assert STORE_ID not in other.compile().params.values()


def test_scoped_copies_go_with_their_statement():
    # A one-off statement's copies must not keep it alive (the copies are kept per statement).
    statement = select(Booking).where(Booking.id == 1)
    scoped_statement(statement, (Booking,), (STORE_ID, USER_ID))
    assert statement in _SCOPED
    alive = weakref.ref(statement)
    del statement
    gc.collect()
    assert alive() is None


def test_one_prebuilt_statement_run_for_two_stores_reads_each_stores_rows(db, session_for):
    # The scoped copies remember their compiled form and parameters: the second store must not
    # get the first one's.
    stores = _two_stores_with_rows(db, "memo")
    statement = _templates_of_kind()
    for _ in range(2):
        for store, manager in stores:
            session = session_for(_manager_context(store, manager))
            kinds = set(session.scalars(select(NotificationTemplate.kind)))
            rows = [row for kind in kinds for row in session.scalars(statement, {"kind": kind})]
            assert rows and {row.store_id for row in rows} == {store.id}
