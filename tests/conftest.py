"""Shared fixtures: real databases built by `alembic upgrade head`, one fresh database per run.

Database tests run twice, on SQLite and on PostgreSQL (`backend` parameter). PostgreSQL and Redis
are real servers (127.0.0.1 by default, or HUB_TEST_PG_URL / REDIS_URL). When one cannot be
reached, the tests fail under CI (CI=true) and are skipped with the reason on a laptop.

Isolation: `db` sessions run inside a connection-level transaction that is rolled back after
each test. Tests that need real commits (concurrency, HTTP) use `committed_engine`, whose tables
are emptied after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

os.environ.setdefault("HUB_ENV", "test")
# CI points DATABASE_URL and REDIS_URL at the real servers. The tests use them through the
# fixtures below, and the app under test starts from the embedded default (each fixture points it
# at its own fresh database), so nothing lands in the shared "test" database or queue namespace.
SERVER_DATABASE_URL = os.environ.pop("DATABASE_URL", None)
SERVER_REDIS_URL = os.environ.pop("REDIS_URL", None)
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")

from hub_app import db as hub_db  # noqa: E402
from hub_app.cli import migrate  # noqa: E402
from hub_app.domain import models  # noqa: E402
from hub_app.domain.tenancy import TenantContext  # noqa: E402
from hub_app.settings import reset_settings_cache  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unreachable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(message + " (CI must run these tests on the real server)", pytrace=False)
    pytest.skip(message)


def postgres_admin_url() -> str:
    explicit = os.environ.get("HUB_TEST_PG_URL")
    if explicit:
        return explicit
    url = SERVER_DATABASE_URL or ""
    if url.startswith("postgres"):
        base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
        return base.set(database="postgres").render_as_string(hide_password=False)
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def redis_url() -> str:
    return SERVER_REDIS_URL or "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = postgres_admin_url()
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means the same thing
        unreachable(f"PostgreSQL at {url}", exc)
    return url


@pytest.fixture(scope="session")
def redis_server() -> str:
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        unreachable(f"Redis at {url}", exc)
    return url


def _create_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def without_free_plan_limits(url: str) -> None:
    """Unflag the free plan seeded by migration 0013 in a test database.

    Most tests build stores without a plan and add calendars, services and bookings freely; they
    are about other things than plan limits. The free plan's own tests (tests/billing) flag a free
    plan of their own inside their transaction.
    """
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE subscription_plan SET is_free = false WHERE is_free"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database at the latest migration, one per backend per test run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hub.db"
        url = f"sqlite:///{path}"
        migrate(url)
        without_free_plan_limits(url)
        yield url
        return
    admin_url = request.getfixturevalue("postgres_server")
    url, drop = _create_postgres_database(admin_url)
    try:
        migrate(url)
        without_free_plan_limits(url)
        yield url
    finally:
        hub_db.reset_engine_cache()
        drop()


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    """The app's engine (on PostgreSQL: switched to the non-superuser app role, so RLS applies)."""
    eng = hub_db.make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def owner_engine(database_url: str) -> Iterator[sa.Engine]:
    """Connects as the tables' owner without the app role: for setup and cleanup only."""
    eng = sa.create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session_for(connection: sa.Connection) -> Iterator[Callable[[TenantContext], Session]]:
    """Open sessions with a tenant context inside the test's rolled-back transaction."""
    sessions: list[Session] = []

    def make(ctx: TenantContext) -> Session:
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        session.info["tenant"] = ctx
        sessions.append(session)
        return session

    yield make
    # Innermost savepoint first: closing an outer one releases the inner ones with it.
    for session in reversed(sessions):
        session.close()


@pytest.fixture
def db(session_for) -> Session:
    """A system (cross-store) session for arranging test data."""
    return session_for(TenantContext.system())


def truncate_all(owner: sa.Engine) -> None:
    tables = list(reversed(models.metadata.sorted_tables))
    with owner.begin() as conn:
        if owner.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in tables:
                conn.execute(table.delete())
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture
def committed_engine(engine, owner_engine, database_url, monkeypatch) -> Iterator[sa.Engine]:
    """The app engine with real commits; the app's settings point at the same database."""
    if database_url.startswith("sqlite"):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("SQLITE_PATH", database_url.split("///", 1)[1])
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    reset_settings_cache()
    hub_db.reset_engine_cache()
    monkeypatch.setattr(hub_db, "get_engine", lambda: engine)
    truncate_all(owner_engine)
    yield engine
    truncate_all(owner_engine)
    reset_settings_cache()


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql_only: the test is about a PostgreSQL feature (RLS)")


def pytest_collection_modifyitems(config, items):
    """Run `postgresql_only` tests only with the PostgreSQL backend (not collected for SQLite)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("postgresql_only") and params.get("database_url") == "sqlite":
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
