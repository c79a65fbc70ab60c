"""Engines and sessions. Every domain session is bound to a TenantContext.

SQLite (the embedded default) runs in WAL mode with `BEGIN IMMEDIATE` transactions, so two
bookings racing for one slot are serialised by the database. On PostgreSQL the app logs in as its
own role (settings.db_app_role: no superuser, no BYPASSRLS, owns no table), so row-level security
applies to everything it runs and no `RESET ROLE` can lift it; each transaction publishes the
tenant context for the policies. Cross-store work is unlocked with a key only the app knows
(hub_app.row_security), not with a setting any SQL could write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

import hub_app.domain.models  # noqa: F401  (every table registered before first use)
from hub_app.domain.tenancy import NO_ID, TenantContext, context_of
from hub_app.row_security import publish_rls
from hub_app.settings import get_settings


def make_engine(url: str | None = None, *, app_role: str | None = "", pool_size: int = 10) -> Engine:
    """Create the app's engine.

    Without `url`: settings.app_database_url. With the owner's `url` (tests, benchmarks), the
    configured app role (or `app_role`) and DB_APP_PASSWORD are put in its place; `app_role=None`
    connects as `url` says (migrations, setup).
    """
    settings = get_settings()
    if url is None:
        url = settings.app_database_url if app_role == "" else settings.resolved_database_url
    elif app_role == "":
        app_role = settings.db_app_role or None
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if app_role:
        parsed = make_url(url)
        password = settings.db_app_password if parsed.username != app_role else parsed.password
        url = parsed.set(username=app_role, password=password)
    # Behind a transaction-pooling PgBouncer the next transaction may run on another server
    # connection, where psycopg's automatically prepared statements do not exist: none are made,
    # so every statement is planned with its values.
    # Otherwise psycopg prepares a statement after its 5th run, and PostgreSQL soon switches a
    # prepared statement to a generic plan, made without the values. Under row-level security
    # such plans lose the index bounds (a store's bookings after a keyset cursor): a dashboard
    # list page of a store with 48,000 bookings took 70-120 ms instead of 15 ms. Planning with
    # the values each time costs well under a millisecond.
    # Options the URL already carries (a replica's `default_transaction_read_only`) are kept.
    connect_args = ({"prepare_threshold": None} if settings.db_transaction_pooler
                    else {"options": _with_option(url, "-c plan_cache_mode=force_custom_plan")})
    return create_engine(url, pool_pre_ping=True, pool_use_lifo=True, pool_size=pool_size, max_overflow=pool_size,
                         connect_args=connect_args)


def _with_option(url, option: str) -> str:
    given = make_url(url).query.get("options") or ""
    return " ".join(filter(None, (given if isinstance(given, str) else " ".join(given), option)))


def _sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        from pathlib import Path

        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # Take the write lock at the start: a read-then-write (check a slot, insert a booking)
        # can then never be interleaved with another writer's.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@lru_cache
def get_engine() -> Engine:
    return make_engine()


def reset_engine_cache() -> None:
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@event.listens_for(Session, "after_begin")
def _publish_tenant(session: Session, transaction, connection) -> None:
    """Hand the tenant context to PostgreSQL's row-level security for this transaction."""
    # Once per transaction: a savepoint (this event fires for each) runs inside the transaction's
    # settings, and rolling one back restores them in PostgreSQL.
    if transaction.nested or connection.dialect.name != "postgresql":
        return
    ctx = context_of(session)
    if _sees_nothing(ctx) and not connection.in_nested_transaction():
        # A transaction of its own starts with the settings unset (they are transaction-local),
        # which the policies read as "no store, no user": publishing that would be a round trip
        # that changes nothing. Inside someone else's transaction the settings may be theirs.
        return
    _publish(connection, ctx)


def _sees_nothing(ctx: TenantContext | None) -> bool:
    return ctx is None or (not ctx.bypass and ctx.criteria_ids == (NO_ID, NO_ID))


def rescope(session: Session, ctx: TenantContext) -> None:
    """Point an open session at another tenant context: the ORM scoping from the next statement
    on, and (PostgreSQL) the row-level security settings of the transaction already running.

    Lets one unit of work find a store first and then work inside it, instead of two."""
    session.info["tenant"] = ctx
    if session.in_transaction():
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _publish(connection, ctx)


def _publish(connection, ctx: TenantContext | None) -> None:
    store_id, user_id = ctx.criteria_ids if ctx else (NO_ID, NO_ID)
    publish_rls(connection, store_id, user_id, bypass=ctx is not None and ctx.bypass)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def open_session(ctx: TenantContext, engine: Engine | None = None) -> Session:
    session = Session(bind=engine or get_engine(), expire_on_commit=False)
    session.info["tenant"] = ctx
    return session


@contextmanager
def unit_of_work(ctx: TenantContext, engine: Engine | None = None) -> Iterator[Session]:
    """A session for one piece of work: committed when the block succeeds, else rolled back."""
    session = open_session(ctx, engine)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
