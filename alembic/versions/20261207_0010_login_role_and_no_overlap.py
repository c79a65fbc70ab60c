"""Row-level security that binds the app for real, and no double booking enforced by the database.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-07

PostgreSQL:
- The app logs in as its own role (settings.db_app_role; created or updated here and by every
  `migrate`, see hub_app.row_security), not as the owner: no RESET ROLE gives it more.
- Cross-store work needs `hub_rls_unlock(key)` with the key derived from HUB_SECRET_KEY; its hash
  is in `hub_private.rls_bypass_key`, which only the owner can read. The policies ask
  `(SELECT hub_rls_bypass())` (once per statement, and only when `app.bypass_rls` holds
  anything), so `set_config('app.bypass_rls', 'on')` unlocks nothing.
- Policies on the tables 0002 left open: app_user (rows without a store are clients and admins,
  shared by every store; a user always sees their own row; no one makes themselves an admin),
  auth_session (the user's own), webhook_event, and the public directory rows of store,
  store_slug_redirect and availability_version (everyone reads them, only their store writes).
  Sign-in finds a user by email, and a request its user by session token, before any tenant is
  known, through SECURITY DEFINER lookups that return exactly that row.
- The owner keeps every row (`owner_access`): migrations, and the SECURITY DEFINER functions,
  which must see all of a calendar's bookings whatever the caller may read.
- No double booking: a trigger refuses a live booking that overlaps another live booking of the
  same calendar, except bookings of the same service at the same times, which share up to the
  service's capacity. Live: confirmed, completed, no-show, or pending with its hold not yet
  expired. Calendly bookings record what already happened elsewhere and are not refused.
  The trigger locks the calendar row first, so two inserts that skipped the app's lock queue
  there and the second sees the first. SQLite: the same rule in triggers (one writer at a time).
"""
from typing import Sequence, Union

from alembic import op

from hub_app.row_security import sync_app_role

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tables with 0002's policy (its own, and 0008's), and the tables this revision secures.
STORE_TABLES = [
    "audit_log", "blocked_period", "booking", "calendar", "calendar_service", "calendar_slot",
    "calendly_connection", "calendly_event_type_link", "date_override", "external_busy_time",
    "notification", "notification_template", "opening_rule", "payment", "service",
    "service_subscription", "store_photo", "subscription",
    "store_client",  # 0008, written with 0002's policy
]
NEW_TABLES = ["app_user", "auth_session", "webhook_event", "store", "store_slug_redirect", "availability_version"]
PUBLIC_READ = ["store", "store_slug_redirect", "availability_version"]

OLD_BYPASS = "current_setting('app.bypass_rls', true) = 'on'"
BYPASS = "coalesce(current_setting('app.bypass_rls', true), '') <> '' AND (SELECT hub_rls_bypass())"
STORE = "NULLIF(current_setting('app.store_id', true), '')::integer"
USER = "NULLIF(current_setting('app.user_id', true), '')::integer"


def _any(*parts: str) -> str:
    return " OR ".join(f"({p})" for p in parts)


def _policies(bypass: str) -> dict[str, tuple[str, str]]:
    """table -> (USING, WITH CHECK) of its tenant_isolation policy."""
    same_store = f"store_id = {STORE}"
    policies = {table: (_any(bypass, same_store),) * 2 for table in STORE_TABLES}
    policies["booking"] = (_any(bypass, same_store, f"client_user_id = {USER}"),) * 2
    if bypass == OLD_BYPASS:
        return policies
    user_rows = f"store_id IS NULL OR {same_store} OR id = {USER}"
    policies.update({
        "app_user": (_any(bypass, user_rows), _any(bypass, f"({user_rows}) AND role <> 'admin'")),
        "auth_session": (_any(bypass, f"user_id = {USER}"),) * 2,
        "webhook_event": (_any(bypass, same_store),) * 2,
        "store": (_any(bypass, f"id = {STORE}"),) * 2,
        "store_slug_redirect": (_any(bypass, same_store),) * 2,
        "availability_version": (_any(bypass, same_store),) * 2,
    })
    return policies


PRIVATE = [
    "CREATE SCHEMA IF NOT EXISTS hub_private",
    "REVOKE ALL ON SCHEMA hub_private FROM PUBLIC",
    "CREATE TABLE hub_private.rls_bypass_key (key_hash text PRIMARY KEY)",
]

# The proof is bound to the backend and to the transaction's start: it means nothing elsewhere.
PROOF = ("encode(sha256(convert_to(k.key_hash || ':' || pg_backend_pid() || ':'"
         " || (extract(epoch FROM now()) * 1000000)::bigint, 'UTF8')), 'hex')")

# PL/pgSQL, not SQL: a SECURITY DEFINER SQL function is never inlined and plans its query on
# every call (~37 us); PL/pgSQL keeps the plan for the session (~9 us).
FUNCTIONS = [f"""
CREATE FUNCTION hub_rls_bypass() RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM hub_private.rls_bypass_key k
                 WHERE current_setting('app.bypass_rls', true) = {PROOF});
END $$""", f"""
CREATE FUNCTION hub_rls_unlock(key text) RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE proof text;
BEGIN
  SELECT {PROOF} INTO proof FROM hub_private.rls_bypass_key k
   WHERE k.key_hash = encode(sha256(convert_to(key, 'UTF8')), 'hex');
  IF proof IS NULL THEN
    RAISE EXCEPTION 'cross-store access refused' USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('app.bypass_rls', proof, true);
  RETURN true;
END $$""", """
CREATE FUNCTION hub_user_by_email(wanted text) RETURNS SETOF public.app_user LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT * FROM public.app_user WHERE email = wanted;
END $$""", """
CREATE FUNCTION hub_session_by_token(wanted text) RETURNS SETOF public.auth_session LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT * FROM public.auth_session WHERE token_hash = wanted;
END $$""", """
CREATE FUNCTION hub_signed_in_user(wanted text, idle_s integer, max_s integer, renew_s integer)
RETURNS SETOF public.app_user LANGUAGE plpgsql VOLATILE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  s public.auth_session%ROWTYPE;
  renewed timestamptz;
BEGIN
  SELECT * INTO s FROM public.auth_session
   WHERE token_hash = wanted AND revoked_at IS NULL AND expires_at > now();
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- Sliding expiry: a used session lives idle_s more, never past created_at + max_s, and is
  -- written at most every renew_s (hub_app.domain.accounts.session_life).
  renewed := least(now() + make_interval(secs => idle_s), s.created_at + make_interval(secs => max_s));
  IF renewed - s.expires_at >= make_interval(secs => renew_s) THEN
    UPDATE public.auth_session SET expires_at = renewed WHERE id = s.id;
  END IF;
  RETURN QUERY SELECT * FROM public.app_user WHERE id = s.user_id;
END $$"""]
FUNCTIONS.append("""
CREATE FUNCTION hub_signed_in_from(wanted_user integer, wanted_ip text, since timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Sign-in asks this before the password is checked (a known address is never slowed down):
  -- yes or no about one account and one address, no session row.
  RETURN EXISTS (SELECT 1 FROM public.auth_session WHERE user_id = wanted_user AND ip_address = wanted_ip
                 AND created_at >= since);
END $$""")
FUNCTION_NAMES = ["hub_rls_bypass()", "hub_rls_unlock(text)", "hub_user_by_email(text)",
                  "hub_session_by_token(text)", "hub_signed_in_user(text, integer, integer, integer)",
                  "hub_signed_in_from(integer, text, timestamptz)"]

# Bookings that hold their time. `now` is the database's idea of the present.
def _live(row: str, now: str) -> str:
    return (f"({row}.status IN ('confirmed', 'completed', 'no_show') OR ({row}.status = 'pending'"
            f" AND ({row}.hold_expires_at IS NULL OR {row}.hold_expires_at > {now})))")


def _unchanged(now: str) -> str:
    """An update that moves nothing of a booking that already held its time: nothing to check."""
    return (f"OLD.calendar_id = NEW.calendar_id AND OLD.service_id = NEW.service_id AND OLD.start_at = NEW.start_at"
            f" AND OLD.end_at = NEW.end_at AND OLD.number_of_persons >= NEW.number_of_persons"
            f" AND {_live('OLD', now)}")


def _clash(now: str, same_id: str) -> str:
    return (f"SELECT 1 FROM {{booking}} o WHERE o.calendar_id = NEW.calendar_id AND NOT ({same_id})"
            f" AND o.end_at > NEW.start_at AND o.start_at < NEW.end_at AND {_live('o', now)}"
            " AND NOT (o.service_id = NEW.service_id AND o.start_at = NEW.start_at AND o.end_at = NEW.end_at)")


def _shared(now: str, same_id: str) -> str:
    return (f"SELECT coalesce(sum(o.number_of_persons), 0) FROM {{booking}} o WHERE o.calendar_id = NEW.calendar_id"
            f" AND NOT ({same_id}) AND o.service_id = NEW.service_id AND o.start_at = NEW.start_at"
            f" AND o.end_at = NEW.end_at AND {_live('o', now)}")


PG_SAME = "o.id IS NOT DISTINCT FROM NEW.id"
PG_NO_OVERLAP = f"""
CREATE FUNCTION booking_no_overlap() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.source = 'calendly' OR NOT {_live('NEW', 'now()')} THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF {_unchanged('now()')} THEN
      RETURN NEW;
    END IF;
  END IF;
  -- Queue behind any other booking of this calendar (the app holds this lock already), so the
  -- reads below see a racing booking once it has committed.
  PERFORM 1 FROM public.calendar WHERE id = NEW.calendar_id FOR UPDATE;
  IF EXISTS ({_clash('now()', PG_SAME).format(booking='public.booking')})
     OR ({_shared('now()', PG_SAME).format(booking='public.booking')}) + NEW.number_of_persons
        > (SELECT capacity_persons FROM public.service WHERE id = NEW.service_id) THEN
    RAISE EXCEPTION 'booking_no_overlap: calendar % is taken at %', NEW.calendar_id, NEW.start_at
      USING ERRCODE = '23P01', CONSTRAINT = 'booking_no_overlap';
  END IF;
  RETURN NEW;
END $$
"""
BOOKING_TIME_COLUMNS = "calendar_id, service_id, start_at, end_at, status, number_of_persons, hold_expires_at"
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
SQLITE_SAME = "o.id IS NEW.id"


def _sqlite_no_overlap(event: str, extra: str) -> str:
    name = "booking_no_overlap_" + ("insert" if event == "INSERT" else "update")
    refused = (f"EXISTS ({_clash(SQLITE_NOW, SQLITE_SAME).format(booking='booking')})"
               f" OR ({_shared(SQLITE_NOW, SQLITE_SAME).format(booking='booking')}) + NEW.number_of_persons"
               " > (SELECT capacity_persons FROM service WHERE id = NEW.service_id)")
    return (f"CREATE TRIGGER {name} BEFORE {event} ON booking"
            f" WHEN NEW.source <> 'calendly' AND {_live('NEW', SQLITE_NOW)}{extra}"
            f" BEGIN SELECT RAISE(ABORT, 'booking_no_overlap: the calendar is taken at that time') WHERE {refused}; END")


SQLITE_TRIGGERS = {
    "booking_no_overlap_insert": _sqlite_no_overlap("INSERT", ""),
    "booking_no_overlap_update": _sqlite_no_overlap(f"UPDATE OF {BOOKING_TIME_COLUMNS}",
                                                    f" AND NOT ({_unchanged(SQLITE_NOW)})"),
}


def _create_policies(policies: dict[str, tuple[str, str]]) -> None:
    for table, (using, check) in policies.items():
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({check})")


def upgrade() -> None:
    op.create_index("ix_booking_calendar_end", "booking", ["calendar_id", "end_at"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
        return
    owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
    for statement in PRIVATE + FUNCTIONS:
        op.execute(statement)
    for table in STORE_TABLES:
        op.execute(f"DROP POLICY tenant_isolation ON {table}")
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    _create_policies(_policies(BYPASS))
    for table in PUBLIC_READ:
        op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT USING (true)")
    for table in STORE_TABLES + NEW_TABLES:
        op.execute(f'CREATE POLICY owner_access ON {table} TO "{owner}" USING (true) WITH CHECK (true)')
    # The counters are raised for every change, whoever makes it and whatever they may read.
    for function in ("bump_availability_version()", "add_availability_version()"):
        op.execute(f"ALTER FUNCTION {function} SECURITY DEFINER SET search_path = public, pg_catalog, pg_temp")
    op.execute(PG_NO_OVERLAP)
    op.execute("CREATE TRIGGER booking_no_overlap BEFORE INSERT OR UPDATE OF "
               f"{BOOKING_TIME_COLUMNS} ON booking FOR EACH ROW EXECUTE FUNCTION booking_no_overlap()")
    sync_app_role(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_booking_calendar_end", table_name="booking")
    if op.get_bind().dialect.name != "postgresql":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute("DROP TRIGGER IF EXISTS booking_no_overlap ON booking")
    op.execute("DROP FUNCTION IF EXISTS booking_no_overlap()")
    for function in ("bump_availability_version()", "add_availability_version()"):
        op.execute(f"ALTER FUNCTION {function} SECURITY INVOKER RESET search_path")
    for table in STORE_TABLES + NEW_TABLES:
        op.execute(f"DROP POLICY IF EXISTS owner_access ON {table}")
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    for table in PUBLIC_READ:
        op.execute(f"DROP POLICY IF EXISTS public_read ON {table}")
    for table in NEW_TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    _create_policies(_policies(OLD_BYPASS))
    for function in FUNCTION_NAMES:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("DROP SCHEMA IF EXISTS hub_private CASCADE")
