"""Row-level security holds against SQL the app did not mean to run (PostgreSQL).

The app connects as its own login role. Whatever SQL runs on that connection (a bug, an
injection), it cannot become the owner (RESET ROLE, SET ROLE), cannot unlock cross-store access by
writing the old switch `app.bypass_rls` or a proof copied from another transaction, and sees no
row of another store in any tenant table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from hub_app import db as hub_db
from hub_app.domain import models
from hub_app.domain.accounts.lookups import user_by_email
from hub_app.domain.accounts.service import open_session_token, user_for_token
from hub_app.domain.integrations.models import WebhookEvent
from hub_app.domain.stores.models import StoreSlugRedirect
from hub_app.domain.tenancy import TenantContext
from hub_app.row_security import check_app_role, publish_rls, unsafe_role_reasons
from hub_app.settings import Settings, get_settings
from tests.factories import make_client, make_store, one_of_each_tenant_row

pytestmark = pytest.mark.postgresql_only

# Readable by everyone by design (a store's public page, its old slugs, the availability
# counters); written only by their own store.
PUBLIC_READ = {"store", "store_slug_redirect", "availability_version"}
# No tenant at all: failed sign-ins (per email and address), the platform's plan catalogue and
# the admin's trusted networks.
UNTENANTED = {"login_failure", "subscription_plan", "trusted_network"}


def tenant_tables() -> dict[str, str]:
    """table -> the SQL condition naming store B's rows (:b store, :mb its manager), for every
    table of the metadata with a store_id column or a reference to a store or a user."""
    found = {}
    for table in models.metadata.sorted_tables:
        refs = {fk.column.table.name for fk in table.foreign_keys}
        if "store_id" in table.columns:
            found[table.name] = "store_id = :b"
        elif table.name == "store":
            found[table.name] = "id = :b"
        elif "app_user" in refs and "user_id" in table.columns:
            found[table.name] = "user_id = :mb"
        elif refs & {"store", "app_user"}:
            found[table.name] = None  # a new kind of tenant column: this test must learn it
    return found


def test_every_table_is_either_tenant_or_reviewed_as_untenanted():
    tables = tenant_tables()
    assert None not in tables.values(), [name for name, cond in tables.items() if cond is None]
    assert set(models.metadata.tables) - set(tables) == UNTENANTED


def test_every_tenant_table_forces_a_policy(owner_engine):
    with owner_engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " array(SELECT p.polname FROM pg_policy p WHERE p.polrelid = c.oid)"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'")).all()
    state = {name: (enabled, forced, set(policies)) for name, enabled, forced, policies in rows}
    for table in tenant_tables():
        enabled, forced, policies = state[table]
        assert enabled and forced, f"{table}: ENABLE and FORCE row level security"
        assert "tenant_isolation" in policies, f"{table} has no tenant_isolation policy"


def test_the_app_role_is_bound_by_the_policies(engine, owner_engine, monkeypatch):
    assert unsafe_role_reasons(engine) == []
    owner_reasons = unsafe_role_reasons(owner_engine)
    assert any("owns" in reason for reason in owner_reasons)
    monkeypatch.setenv("HUB_ENV", "prod")
    monkeypatch.setenv("HUB_SECRET_KEY", "p" * 40)
    from hub_app.settings import reset_settings_cache

    reset_settings_cache()
    try:
        assert get_settings().is_production
        with pytest.raises(RuntimeError, match="superuser"):
            check_app_role(owner_engine)
        check_app_role(engine)  # the app's own role passes
    finally:
        monkeypatch.undo()
        reset_settings_cache()


def test_app_url_swaps_in_the_app_role():
    settings = Settings(database_url="postgres://owner:s3cret@db:5432/hub", db_app_password="app-pw")
    assert settings.app_database_url == "postgresql+psycopg://hub_tenant:app-pw@db:5432/hub"
    same = Settings(database_url="postgresql://hub_tenant:pw@db/hub")
    assert same.app_database_url == "postgresql+psycopg://hub_tenant:pw@db/hub"
    explicit = Settings(database_url="postgresql://owner@db/hub", database_app_url="postgresql://app:x@pool/hub")
    assert explicit.app_database_url == "postgresql+psycopg://app:x@pool/hub"


@dataclass
class World:
    store_a: int
    manager_a: int
    store_b: int
    manager_b: int
    manager_b_email: str
    manager_b_token: str


@pytest.fixture
def rls_world(committed_engine) -> World:
    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        store_a, manager_a = make_store(db, "rls-alpha")
        store_b, manager_b = make_store(db, "rls-beta")
        client = make_client(db)
        for store in (store_a, store_b):
            one_of_each_tenant_row(db, store, client)
            db.add(WebhookEvent(provider="calendly", event_id=f"ev-{store.id}", event_type="invitee.created",
                                payload="{}", store_id=store.id))
            db.add(StoreSlugRedirect(old_slug=f"{store.slug}-old", store_id=store.id))
        token = open_session_token(db, manager_b)
        db.flush()
        world = World(store_a.id, manager_a.id, store_b.id, manager_b.id, manager_b.email, token)
    return world


def _attempt(conn, statement: str, **params) -> str:
    """Run `statement` in a savepoint; what the database said."""
    try:
        with conn.begin_nested():
            conn.execute(sa.text(statement), params)
        return "ok"
    except sa.exc.DBAPIError as exc:
        return type(exc.orig).__name__


def test_sql_on_the_app_connection_cannot_lift_row_security(rls_world, committed_engine, owner_engine):
    owner = owner_engine.url.username
    # A proof of cross-store access, taken from a real system transaction.
    with committed_engine.begin() as conn:
        publish_rls(conn, None, None, bypass=True)
        stolen = conn.execute(sa.text("SELECT current_setting('app.bypass_rls')")).scalar()
        assert conn.execute(sa.text("SELECT count(*) FROM store")).scalar() == 2
    with committed_engine.connect() as conn, conn.begin():
        publish_rls(conn, rls_world.store_a, rls_world.manager_a, bypass=False)
        assert _attempt(conn, "RESET ROLE") == "ok"
        assert conn.execute(sa.text("SELECT current_user")).scalar() == get_settings().db_app_role
        assert _attempt(conn, f'SET ROLE "{owner}"') == "InsufficientPrivilege"
        assert _attempt(conn, "SET SESSION AUTHORIZATION DEFAULT") == "ok"  # the login role itself
        assert _attempt(conn, "SELECT hub_rls_unlock('guessed')") == "InsufficientPrivilege"
        assert _attempt(conn, "SELECT * FROM hub_private.rls_bypass_key") == "InsufficientPrivilege"
        for forged in ("on", "true", stolen):
            conn.execute(sa.text("SELECT set_config('app.bypass_rls', :v, false)"), {"v": forged})
            conn.execute(sa.text("SELECT set_config('app.bypass_rls', :v, true)"), {"v": forged})
            assert conn.execute(sa.text("SELECT hub_rls_bypass()")).scalar() is False
            seen = {}
            for table, foreign in tenant_tables().items():
                params = {"b": rls_world.store_b, "mb": rls_world.manager_b}
                count = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {foreign}"), params).scalar()
                seen[table] = count
                if table in PUBLIC_READ:
                    assert count > 0, table
                    # Readable, but not the app's to change while it works for store A.
                    changed = conn.execute(sa.text(f"UPDATE {table} SET {foreign.split(' = ')[0]} ="
                                                   f" {foreign.split(' = ')[0]} WHERE {foreign}"), params)
                    assert changed.rowcount == 0, table
            assert {t: n for t, n in seen.items() if n and t not in PUBLIC_READ} == {}, forged
        # Making oneself an admin is refused even on one's own row.
        conn.execute(sa.text("SELECT set_config('app.user_id', :u, true)"), {"u": str(rls_world.manager_a)})
        assert _attempt(conn, "UPDATE app_user SET role = 'admin' WHERE id = :u",
                        u=rls_world.manager_a) == "InsufficientPrivilege"


def test_sign_in_finds_exactly_the_asked_staff_row_before_any_tenant(rls_world, committed_engine):
    with hub_db.unit_of_work(TenantContext.anonymous(), committed_engine) as db:
        assert db.execute(sa.text("SELECT count(*) FROM app_user WHERE store_id IS NOT NULL")).scalar() == 0
        assert db.execute(sa.text("SELECT count(*) FROM auth_session")).scalar() == 0
        found = user_by_email(db, rls_world.manager_b_email)
        assert found is not None and found.id == rls_world.manager_b
        assert user_by_email(db, "nobody@example.com") is None
        signed_in = user_for_token(db, rls_world.manager_b_token)
        assert signed_in is not None and signed_in.id == rls_world.manager_b
        assert user_for_token(db, "not-a-token") is None


def test_a_managers_password_link_works_before_any_tenant(rls_world, committed_engine):
    """The onboarding and reset links are opened signed out: the signed link proves whose row it is."""
    from hub_app.domain.accounts.password_setup import make_password_setup_token, set_password_with_token

    with hub_db.unit_of_work(TenantContext.system(), committed_engine) as db:
        token = make_password_setup_token(user_by_email(db, rls_world.manager_b_email))
    with hub_db.unit_of_work(TenantContext.anonymous(), committed_engine) as db:
        user = set_password_with_token(db, token, "a-new-password-for-b")
        assert user.id == rls_world.manager_b
    with hub_db.unit_of_work(TenantContext.anonymous(), committed_engine) as db:
        assert user_for_token(db, rls_world.manager_b_token) is None  # signed out by the reset
