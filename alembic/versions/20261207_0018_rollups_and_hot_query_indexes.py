"""Rollups for reports and the indexes the hot dashboard queries ask for.

- `booking_day_stats`, `booking_made_day_stats`, `payment_day_stats`: per-day totals kept by
  triggers on `booking` and `payment` (PostgreSQL and SQLite alike), backfilled here. Each trigger
  takes the old row's contribution away and adds the new row's, so a total always equals a
  recount. On PostgreSQL the trigger functions are SECURITY DEFINER (run as the tables' owner,
  whose `owner_access` policy admits every row): a client cancelling in another store's context
  still updates that store's totals, while the app role itself reads the rollups under RLS.
- `client_store_stats`: one row per store and client (bookings there, latest start, invitation
  accepted), recomputed for the pair by triggers on `booking` and `store_client`: the clients
  list pages through it by name (`ix_app_user_name`) instead of grouping the store's bookings.
- `ix_booking_store_created`: the bookings list sorted by creation (keyset on created_at, id).
- `ix_booking_store_start_id`: keyset pages on (start_at, id) inside one store; replaces
  `ix_booking_store_start`, which it covers.
- PostgreSQL: trigram indexes (pg_trgm) on clients' names and addresses, for a search inside a
  word (`LIKE '%ele%'`), which no b-tree answers.

Revision ID: 0018
Revises: 0017
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from hub_app.domain import types as hub_types

revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ["booking_day_stats", "booking_made_day_stats", "payment_day_stats", "client_store_stats"]
# 0011's policy, written out so this revision keeps meaning what it meant.
POLICY = ("(coalesce(current_setting('app.bypass_rls', true), '') <> '' AND (SELECT hub_rls_bypass())) OR "
          "(store_id = NULLIF(current_setting('app.store_id', true), '')::integer)")

BOOKING_COLUMNS = "store_id, booking_date, created_at, status, total_amount"
PAYMENT_COLUMNS = "store_id, payment_date, currency, status, kind, amount"


def _pg_booking_delta(row: str, sign: str) -> str:
    return f"""
    INSERT INTO booking_day_stats AS s (store_id, day, status, bookings, amount_cents)
    VALUES ({row}.store_id, {row}.booking_date, {row}.status, {sign}1, {sign}round({row}.total_amount * 100)::bigint)
    ON CONFLICT (store_id, day, status) DO UPDATE
      SET bookings = s.bookings + excluded.bookings, amount_cents = s.amount_cents + excluded.amount_cents;
    INSERT INTO booking_made_day_stats AS s (store_id, day, status, bookings)
    VALUES ({row}.store_id, ({row}.created_at AT TIME ZONE 'UTC')::date, {row}.status, {sign}1)
    ON CONFLICT (store_id, day, status) DO UPDATE SET bookings = s.bookings + excluded.bookings;"""


def _pg_payment_delta(row: str, sign: str) -> str:
    return f"""
    IF {row}.status IN ('succeeded', 'refunded') AND {row}.kind IN ('charge', 'refund') THEN
      INSERT INTO payment_day_stats AS s (store_id, day, currency, amount_cents)
      VALUES ({row}.store_id, ({row}.payment_date AT TIME ZONE 'UTC')::date, {row}.currency,
              {sign}(CASE WHEN {row}.kind = 'refund' THEN -1 ELSE 1 END) * round({row}.amount * 100)::bigint)
      ON CONFLICT (store_id, day, currency) DO UPDATE SET amount_cents = s.amount_cents + excluded.amount_cents;
    END IF;"""


def _pg_function(name: str, delta) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {delta('OLD', '-')}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN {delta('NEW', '')}
  END IF;
  RETURN NULL;
END $$"""


def _sqlite_booking_delta(row: str, sign: str) -> str:
    return f"""
    INSERT INTO booking_day_stats (store_id, day, status, bookings, amount_cents)
    VALUES ({row}.store_id, {row}.booking_date, {row}.status, {sign}1,
            {sign}CAST(round({row}.total_amount * 100) AS INTEGER))
    ON CONFLICT (store_id, day, status) DO UPDATE
      SET bookings = bookings + excluded.bookings, amount_cents = amount_cents + excluded.amount_cents;
    INSERT INTO booking_made_day_stats (store_id, day, status, bookings)
    VALUES ({row}.store_id, date({row}.created_at), {row}.status, {sign}1)
    ON CONFLICT (store_id, day, status) DO UPDATE SET bookings = bookings + excluded.bookings;"""


def _sqlite_payment_delta(row: str, sign: str) -> str:
    # SQLite triggers have no IF: the SELECT's WHERE adds nothing for a payment that did not go through.
    return f"""
    INSERT INTO payment_day_stats (store_id, day, currency, amount_cents)
    SELECT {row}.store_id, date({row}.payment_date), {row}.currency,
           {sign}(CASE WHEN {row}.kind = 'refund' THEN -1 ELSE 1 END) * CAST(round({row}.amount * 100) AS INTEGER)
    WHERE {row}.status IN ('succeeded', 'refunded') AND {row}.kind IN ('charge', 'refund')
    ON CONFLICT (store_id, day, currency) DO UPDATE SET amount_cents = amount_cents + excluded.amount_cents;"""


def _client_pair(row: str, user_column: str) -> str:
    """Recompute one (store, client) pair of client_store_stats; the same SQL on both databases."""
    s, u = f"{row}.store_id", f"{row}.{user_column}"
    return f"""
    INSERT INTO client_store_stats (store_id, client_user_id, bookings, last_start_at, linked)
    SELECT {s}, {u},
           (SELECT count(*) FROM booking WHERE store_id = {s} AND client_user_id = {u}),
           (SELECT max(start_at) FROM booking WHERE store_id = {s} AND client_user_id = {u}),
           EXISTS (SELECT 1 FROM store_client WHERE store_id = {s} AND user_id = {u}
                   AND status IN ('active', 'unclaimed'))
    WHERE {u} IS NOT NULL
    ON CONFLICT (store_id, client_user_id) DO UPDATE
      SET bookings = excluded.bookings, last_start_at = excluded.last_start_at, linked = excluded.linked;"""


CLIENT_TRIGGERS = (("booking", "client_user_id", "store_id, client_user_id, start_at"),
                   ("store_client", "user_id", "store_id, user_id, status"))


def _pg_client_function(table: str, user_column: str) -> str:
    return _pg_function(f"client_stats_{table}", lambda row, _sign: _client_pair(row, user_column))


def _sqlite_triggers() -> list[tuple[str, str]]:
    statements = []
    for table, user_column, columns in CLIENT_TRIGGERS:
        for name, event, body in (
            ("ins", "INSERT", _client_pair("NEW", user_column)),
            ("del", "DELETE", _client_pair("OLD", user_column)),
            ("upd", f"UPDATE OF {columns}", _client_pair("OLD", user_column) + _client_pair("NEW", user_column)),
        ):
            trigger = f"client_stats_{table}_{name}"
            statements.append((trigger, f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {body} END"))
    for table, columns, delta in (("booking", BOOKING_COLUMNS, _sqlite_booking_delta),
                                  ("payment", PAYMENT_COLUMNS, _sqlite_payment_delta)):
        for name, event, body in (
            ("ins", "INSERT", delta("NEW", "")),
            ("del", "DELETE", delta("OLD", "-")),
            ("upd", f"UPDATE OF {columns}", delta("OLD", "-") + delta("NEW", "")),
        ):
            trigger = f"rollup_{table}_{name}"
            statements.append((trigger, f"CREATE TRIGGER {trigger} AFTER {event} ON {table} BEGIN {body} END"))
    return statements


BACKFILL = [
    """INSERT INTO booking_day_stats (store_id, day, status, bookings, amount_cents)
       SELECT store_id, booking_date, status, count(*), {cents_sum_total}
       FROM booking GROUP BY store_id, booking_date, status""",
    """INSERT INTO booking_made_day_stats (store_id, day, status, bookings)
       SELECT store_id, {created_day}, status, count(*) FROM booking GROUP BY 1, 2, 3""",
    """INSERT INTO payment_day_stats (store_id, day, currency, amount_cents)
       SELECT store_id, {payment_day}, currency, {cents_sum_signed}
       FROM payment WHERE status IN ('succeeded', 'refunded') AND kind IN ('charge', 'refund')
       GROUP BY 1, 2, 3""",
    """INSERT INTO client_store_stats (store_id, client_user_id, bookings, last_start_at, linked)
       SELECT store_id, user_id, sum(bookings), max(last_start_at), max(linked) > 0 FROM (
         SELECT store_id, client_user_id AS user_id, count(*) AS bookings, max(start_at) AS last_start_at, 0 AS linked
         FROM booking GROUP BY store_id, client_user_id
         UNION ALL
         SELECT store_id, user_id, 0, NULL, 1 FROM store_client
         WHERE user_id IS NOT NULL AND status IN ('active', 'unclaimed')
       ) AS pairs GROUP BY store_id, user_id""",
]


# Row-level security evaluates a LIKE (not leakproof) only after its own checks, so no index can
# answer it on app_user; this function searches as the owner over the trigram indexes, and only
# among the clients of the store the transaction is in (app.store_id), whom its staff may read.
CLIENT_SEARCH = """
CREATE OR REPLACE FUNCTION hub_store_client_search(pattern text) RETURNS TABLE (user_id integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT u.id FROM app_user u
  WHERE (lower(u.first_name || ' ' || u.last_name) LIKE pattern OR lower(u.email) LIKE pattern)
    AND EXISTS (SELECT 1 FROM client_store_stats s
                WHERE s.store_id = NULLIF(current_setting('app.store_id', true), '')::integer
                  AND s.client_user_id = u.id AND (s.bookings > 0 OR s.linked))
$$"""


def _backfill(postgres: bool) -> None:
    if postgres:
        parts = {"cents_sum_total": "sum(round(total_amount * 100))::bigint",
                 "created_day": "(created_at AT TIME ZONE 'UTC')::date",
                 "payment_day": "(payment_date AT TIME ZONE 'UTC')::date",
                 "cents_sum_signed": "sum(CASE WHEN kind = 'refund' THEN -1 ELSE 1 END * round(amount * 100))::bigint"}
    else:
        parts = {"cents_sum_total": "sum(CAST(round(total_amount * 100) AS INTEGER))",
                 "created_day": "date(created_at)", "payment_day": "date(payment_date)",
                 "cents_sum_signed": "sum(CASE WHEN kind = 'refund' THEN -1 ELSE 1 END * CAST(round(amount * 100) AS INTEGER))"}
    for statement in BACKFILL:
        op.execute(statement.format(**parts))


def upgrade() -> None:
    store_fk = lambda table: sa.ForeignKeyConstraint(  # noqa: E731
        ['store_id'], ['store.id'], name=op.f(f'fk_{table}_store_id_store'), ondelete='CASCADE')
    op.create_table('booking_day_stats',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('bookings', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    store_fk('booking_day_stats'),
    sa.PrimaryKeyConstraint('store_id', 'day', 'status', name=op.f('pk_booking_day_stats'))
    )
    op.create_table('booking_made_day_stats',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('bookings', sa.BigInteger(), nullable=False),
    store_fk('booking_made_day_stats'),
    sa.PrimaryKeyConstraint('store_id', 'day', 'status', name=op.f('pk_booking_made_day_stats'))
    )
    op.create_table('payment_day_stats',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    store_fk('payment_day_stats'),
    sa.PrimaryKeyConstraint('store_id', 'day', 'currency', name=op.f('pk_payment_day_stats'))
    )
    # The platform-wide reports read one window of days across every store.
    op.create_index('ix_booking_made_day_stats_day', 'booking_made_day_stats', ['day'])
    op.create_index('ix_booking_day_stats_day', 'booking_day_stats', ['day'])
    op.create_index('ix_payment_day_stats_day', 'payment_day_stats', ['day'])
    op.create_table('client_store_stats',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('client_user_id', sa.Integer(), nullable=False),
    sa.Column('bookings', sa.BigInteger(), nullable=False),
    sa.Column('last_start_at', hub_types.UTCDateTime(), nullable=True),
    sa.Column('linked', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['client_user_id'], ['app_user.id'], name=op.f('fk_client_store_stats_client_user_id_app_user'),
                            ondelete='CASCADE'),
    store_fk('client_store_stats'),
    sa.PrimaryKeyConstraint('store_id', 'client_user_id', name=op.f('pk_client_store_stats'))
    )
    op.create_index('ix_app_user_name', 'app_user', ['last_name', 'first_name', 'id'])
    op.create_index('ix_booking_store_created', 'booking', ['store_id', 'created_at', 'id'])
    op.create_index('ix_booking_store_start_id', 'booking', ['store_id', 'start_at', 'id'])
    op.drop_index('ix_booking_store_start', table_name='booking')

    postgres = op.get_bind().dialect.name == "postgresql"
    _backfill(postgres)
    if postgres:
        op.execute(_pg_function("booking_rollup", _pg_booking_delta))
        op.execute(_pg_function("payment_rollup", _pg_payment_delta))
        op.execute(f"CREATE TRIGGER booking_rollup AFTER INSERT OR DELETE OR UPDATE OF {BOOKING_COLUMNS} "
                   "ON booking FOR EACH ROW EXECUTE FUNCTION booking_rollup()")
        op.execute(f"CREATE TRIGGER payment_rollup AFTER INSERT OR DELETE OR UPDATE OF {PAYMENT_COLUMNS} "
                   "ON payment FOR EACH ROW EXECUTE FUNCTION payment_rollup()")
        for table, user_column, columns in CLIENT_TRIGGERS:
            op.execute(_pg_client_function(table, user_column))
            op.execute(f"CREATE TRIGGER client_stats AFTER INSERT OR DELETE OR UPDATE OF {columns} "
                       f"ON {table} FOR EACH ROW EXECUTE FUNCTION client_stats_{table}()")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_app_user_name_trgm ON app_user "
                   "USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops)")
        op.execute("CREATE INDEX ix_app_user_email_trgm ON app_user USING gin (lower(email) gin_trgm_ops)")
        op.execute(CLIENT_SEARCH)
        owner = op.get_bind().exec_driver_sql("SELECT current_user").scalar()
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({POLICY}) WITH CHECK ({POLICY})")
            op.execute(f'CREATE POLICY owner_access ON {table} TO "{owner}" USING (true) WITH CHECK (true)')
    else:
        for _name, statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS booking_rollup ON booking")
        op.execute("DROP TRIGGER IF EXISTS payment_rollup ON payment")
        op.execute("DROP FUNCTION IF EXISTS booking_rollup()")
        op.execute("DROP FUNCTION IF EXISTS payment_rollup()")
        for table, _user_column, _columns in CLIENT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS client_stats ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS client_stats_{table}()")
        op.execute("DROP FUNCTION IF EXISTS hub_store_client_search(text)")
        op.execute("DROP INDEX IF EXISTS ix_app_user_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_app_user_email_trgm")
    else:
        for name, _statement in _sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.create_index('ix_booking_store_start', 'booking', ['store_id', 'start_at'])
    op.drop_index('ix_booking_store_start_id', table_name='booking')
    op.drop_index('ix_booking_store_created', table_name='booking')
    op.drop_index('ix_app_user_name', table_name='app_user')
    for table in TABLES:
        op.drop_table(table)
