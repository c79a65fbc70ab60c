"""PostgreSQL row-level security: the app's login role, the cross-store key, the per-transaction
settings the policies read, and the production check of who the app connects as.

Two roles: the tables' owner (DATABASE_URL; runs the migrations and the SECURITY DEFINER
functions) and the app's login role (settings.db_app_role), which owns nothing and has neither
SUPERUSER nor BYPASSRLS, so every statement it runs is filtered by the policies (FORCE'd on every
tenant table) and neither `RESET ROLE` nor `SET ROLE` gives it more.

The policies see a transaction's store and user in `app.store_id` / `app.user_id`. Admin and
system work across stores is unlocked by `hub_rls_unlock(key)`: the key is derived from
HUB_SECRET_KEY, which the database never sees except as this bound parameter; its SHA-256 sits in
`hub_private.rls_bypass_key`, readable only by the owner. The function writes into
`app.bypass_rls` a proof bound to this backend and this transaction's start, which the policies'
`hub_rls_bypass()` recomputes; a `set_config('app.bypass_rls', …)` from any other SQL, or a proof
copied from another transaction, matches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from sqlalchemy import Connection, Engine, text

from hub_app.settings import get_settings

_KEY_LABEL = b"appointment-hub row-level security bypass"

_SCOPED_SETTINGS = text(
    "SELECT set_config('app.store_id', :store_id, true), set_config('app.user_id', :user_id, true),"
    " set_config('app.bypass_rls', '', true)"
)
_BYPASS_SETTINGS = text(
    "SELECT set_config('app.store_id', :store_id, true), set_config('app.user_id', :user_id, true),"
    " hub_rls_unlock(:key)"
)
_USER_SETTING = text("SELECT set_config('app.user_id', :user_id, true)")


@lru_cache(maxsize=4)
def _key_for(secret: str) -> str:
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).hexdigest()


def bypass_key() -> str:
    """The key that unlocks cross-store work; changes with HUB_SECRET_KEY (run `migrate` after)."""
    return _key_for(get_settings().hub_secret_key)


def bypass_key_hash(key: str | None = None) -> str:
    return hashlib.sha256((key or bypass_key()).encode()).hexdigest()


def publish_rls(executor, store_id: int | None, user_id: int | None, *, bypass: bool) -> None:
    """Write the transaction's settings for the policies, in one round trip (PostgreSQL only).

    `executor` is a Connection or a Session inside the transaction; -1 stands for "none"."""
    params = {"store_id": str(store_id if store_id is not None else -1),
              "user_id": str(user_id if user_id is not None else -1)}
    if bypass:
        executor.execute(_BYPASS_SETTINGS, {**params, "key": bypass_key()})
    else:
        executor.execute(_SCOPED_SETTINGS, params)


def act_as_user(db, user_id: int) -> None:
    """Let the rest of this transaction see and change `user_id`'s own rows (their account and
    sessions), once the user has proved who they are: a password or a one-time link."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(_USER_SETTING, {"user_id": str(user_id)})


# --- the owner's side: run by `migrate` ---------------------------------------------------------

_ENSURE_ROLE = """
DO $$
DECLARE
  wanted text := current_setting('hub.app_role');
  existing pg_roles%ROWTYPE;
BEGIN
  SELECT * INTO existing FROM pg_roles WHERE rolname = wanted;
  IF NOT FOUND THEN
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', wanted);
  ELSIF NOT existing.rolcanlogin THEN
    EXECUTE format('ALTER ROLE %I LOGIN', wanted);
  END IF;
  IF existing.rolsuper OR existing.rolbypassrls THEN
    RAISE EXCEPTION 'role % must have neither SUPERUSER nor BYPASSRLS', wanted;
  END IF;
  IF current_setting('hub.app_password') <> '' THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', wanted, current_setting('hub.app_password'));
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', wanted);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', wanted);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', wanted);
  EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM %I', wanted);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                 wanted);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', wanted);
END $$
"""


def sync_app_role(connection: Connection) -> None:
    """Create or update the app's login role, its grants and the bypass key (as the owner).

    Idempotent; `migrate` runs it every time, so a new DB_APP_PASSWORD or HUB_SECRET_KEY takes
    effect with the next deploy. The role is cluster-wide: it is altered only where it differs."""
    settings = get_settings()
    if connection.dialect.name != "postgresql" or not settings.db_app_role:
        return
    # Handed to the DO block through transaction-local settings: no quoting by hand.
    connection.execute(text("SELECT set_config('hub.app_role', :r, true), set_config('hub.app_password', :p, true)"),
                       {"r": settings.db_app_role, "p": settings.db_app_password or ""})
    connection.execute(text(_ENSURE_ROLE))
    connection.execute(text("SELECT set_config('hub.app_password', '', true)"))
    connection.execute(text("DELETE FROM hub_private.rls_bypass_key WHERE key_hash <> :h"), {"h": bypass_key_hash()})
    connection.execute(text("INSERT INTO hub_private.rls_bypass_key (key_hash) VALUES (:h) ON CONFLICT DO NOTHING"),
                       {"h": bypass_key_hash()})


def sync_app_role_at(owner_url: str) -> None:
    from sqlalchemy import create_engine, pool

    engine = create_engine(owner_url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            sync_app_role(conn)
    finally:
        engine.dispose()


# --- the app's side: production refuses a role that RLS does not bind -------------------------

_ROLE_FACTS = text(
    "SELECT r.rolsuper, r.rolbypassrls,"
    " EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = 'public'"
    "         AND pg_has_role(current_user, t.tableowner, 'MEMBER'))"
    " FROM pg_roles r WHERE r.rolname = current_user"
)


def unsafe_role_reasons(engine: Engine) -> list[str]:
    """Why row-level security would not bind the app's database user (empty: it does)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar()
        superuser, bypassrls, owner = conn.execute(_ROLE_FACTS).one()
    reasons = []
    if superuser:
        reasons.append(f"database user {user} is a superuser")
    if bypassrls:
        reasons.append(f"database user {user} has BYPASSRLS")
    if owner:
        reasons.append(f"database user {user} owns (or may act as the owner of) the tables")
    return reasons


def check_app_role(engine: Engine) -> None:
    """In production, refuse to run as a database user the policies do not apply to."""
    if not get_settings().is_production:
        return
    reasons = unsafe_role_reasons(engine)
    if reasons:
        raise RuntimeError(
            "; ".join(reasons) + ": with HUB_ENV=prod the app must connect as its own role "
            "(DB_APP_ROLE / DATABASE_APP_URL, see README, Production mode)"
        )
