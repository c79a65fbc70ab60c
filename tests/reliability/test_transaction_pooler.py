"""The app behind PgBouncer in transaction mode (the reference deployment's pooler, deploy/).

With transaction pooling consecutive transactions of one client may run on different server
connections, and one server connection serves many clients in turn. So nothing the app relies on
may outlive a transaction on the server: the row-level security settings (`app.store_id`,
`app.user_id`, `app.bypass_rls`) are written with set_config(..., true), and psycopg prepares no
statements on the server (DB_TRANSACTION_POOLER=true). PgBouncer here keeps ONE server
connection, so every client below shares the same backend; each test also shows the hazard is
real (a session-level SET, or psycopg's default statement preparation, does break).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from bench.procs import free_port
from deploy.services import PgBouncer
from hub_app import db as hub_db
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.conftest import IN_CI
from tests.factories import make_store

SETTINGS = sa.text("SELECT pg_backend_pid(), current_setting('app.store_id', true),"
                   " current_setting('app.user_id', true), current_setting('app.bypass_rls', true)")


@pytest.fixture
def pooler(shared_pg_database) -> Iterator[str]:
    """PgBouncer (transaction mode, one server connection) in front of a fresh migrated database;
    yields the owner's URL through it."""
    if not Path("/usr/sbin/pgbouncer").exists():
        if IN_CI:
            pytest.fail("pgbouncer is not installed (make stack-packages)")
        pytest.skip("pgbouncer is not installed (make stack-packages)")
    from hub_app.cli import migrate

    migrate(shared_pg_database)
    url = sa.make_url(shared_pg_database)
    # Not under pytest's tmp_path: PgBouncer runs as the postgres OS user, who cannot enter it.
    root = Path(tempfile.mkdtemp(prefix="hub-pgbouncer-"))
    root.chmod(0o755)
    bouncer = PgBouncer(root, free_port(), url.database, url.port or 5432, pool_size=1)
    bouncer.start()
    try:
        yield url.set(port=bouncer.port).render_as_string(hide_password=False)
    finally:
        bouncer.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pooled_settings(monkeypatch):
    monkeypatch.setenv("DB_TRANSACTION_POOLER", "true")
    reset_settings_cache()
    yield
    reset_settings_cache()


def test_tenant_settings_never_outlive_their_transaction_on_a_shared_server_connection(pooler, pooled_settings):
    first, second = hub_db.make_engine(pooler), hub_db.make_engine(pooler)
    try:
        with hub_db.unit_of_work(TenantContext.system(), first) as db:
            store, manager = make_store(db, "pooled-salon")
            store_id, manager_id = store.id, manager.id
        # A store's transaction on one client connection ...
        with hub_db.unit_of_work(TenantContext(store_id=store_id, user_id=manager_id, home_store_id=store_id), first) as db:
            backend, seen_store, seen_user, _ = db.execute(SETTINGS).one()
            assert (seen_store, seen_user) == (str(store_id), str(manager_id))
        # ... and a cross-store (system) one, with its unlock proof ...
        with hub_db.unit_of_work(TenantContext.system(), first) as db:
            assert db.execute(SETTINGS).one()[3]
        # ... leave nothing for the next client's transaction on the same server connection.
        with second.connect() as conn:
            next_backend, *settings = conn.execute(SETTINGS).one()
        assert next_backend == backend
        assert all(value in (None, "") for value in settings), settings
    finally:
        first.dispose()
        second.dispose()


def test_a_session_level_set_would_leak_to_the_next_client(pooler):
    """The hazard the transaction-local settings avoid: PgBouncer hands the next client a server
    connection with the previous client's session settings still on it."""
    plain = sa.make_url(pooler).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True, prepare_threshold=None) as one:
        one.execute("SET app.store_id = '4242'")
    with psycopg.connect(plain, autocommit=True, prepare_threshold=None) as other:
        assert other.execute("SELECT current_setting('app.store_id', true)").fetchone()[0] == "4242"


def _run_repeatedly(first: sa.Engine, second: sa.Engine) -> None:
    """Each client in turn runs one statement 6 times in a transaction and commits: psycopg
    prepares a statement on the server from its 5th execution by default, and a COMMIT (unlike a
    ROLLBACK) keeps it, on a server connection the next client is then given."""
    statement = sa.text("SELECT count(*) FROM store WHERE id > :id")
    for _ in range(2):
        for engine in (first, second):
            with engine.begin() as conn:
                for _ in range(6):
                    conn.execute(statement, {"id": 0}).scalar_one()


def test_no_server_side_prepared_statements_when_pooled(pooler, pooled_settings):
    first, second = hub_db.make_engine(pooler), hub_db.make_engine(pooler)
    try:
        _run_repeatedly(first, second)
    finally:
        first.dispose()
        second.dispose()


def test_default_prepared_statements_break_behind_the_pooler(pooler):
    """Without DB_TRANSACTION_POOLER the same traffic fails: the two clients' automatically
    prepared statements collide (or are missing) on the one server connection."""
    reset_settings_cache()
    first, second = hub_db.make_engine(pooler), hub_db.make_engine(pooler)
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="DuplicatePreparedStatement"):
            _run_repeatedly(first, second)
    finally:
        first.dispose()
        second.dispose()
