"""Create a fresh database, migrate it the way production does, and fill it through COPY.

Speed without weakening what production relies on:
- every table gets its own connection with its COPY open for the whole load; lines are sent in
  ~1 MB writes by a background writer thread, so Python generates while PostgreSQL ingests;
- those sessions run with `session_replication_role = replica`, which skips row triggers (the
  availability-version bump and the no-overlap trigger of 0006/0010, and the foreign-key
  checks) for this load only: the triggers stay enabled on the tables, and afterwards
  checks.py proves what they would have enforced (no overlapping active bookings, every
  foreign key resolves, one availability_version row per calendar);
- the plain (non-unique) indexes of the big tables are dropped before the load and recreated
  from their exact definitions afterwards; primary keys, unique and check constraints stay in
  place during the load.
Then sequences move past the generated ids and VACUUM (ANALYZE) leaves the tables the way
autovacuum would.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from bench.scale import checks
from bench.scale.rows import COLUMNS, Generator, plan_rows
from bench.scale.shape import shapes

BIG_TABLES = ("booking", "notification", "payment", "audit_log", "webhook_event", "store_client", "app_user")
FLUSH_BYTES = 1 << 20


def plain_url(url: str) -> str:
    """psycopg wants postgresql://; the app's URLs say postgresql+psycopg://."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def with_database(url: str, name: str) -> str:
    base, _, _ = plain_url(url).rpartition("/")
    return f"{base}/{name}"


def create_database(admin_url: str, name: str) -> str:
    with psycopg.connect(plain_url(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(plain_url(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migrate(url: str) -> None:
    """`python -m hub_app migrate` in-process: the same Alembic upgrade production runs."""
    from hub_app.cli import migrate as run_migrations

    run_migrations(url.replace("postgresql://", "postgresql+psycopg://", 1))


class CopySink:
    """One open COPY per table; `emit` buffers lines and hands ~1 MB at a time to its writer."""

    def __init__(self, url: str, tables: Iterable[str]) -> None:
        self.url, self.tables = url, list(tables)
        self.buffers: dict[str, list[str]] = {t: [] for t in self.tables}
        self.sizes = dict.fromkeys(self.tables, 0)
        self.rows = dict.fromkeys(self.tables, 0)
        self.copies: dict = {}
        self.connections: list[psycopg.Connection] = []
        self.stack = ExitStack()

    def __enter__(self) -> "CopySink":
        for table in self.tables:
            conn = psycopg.connect(self.url)
            self.connections.append(conn)
            conn.execute("SET session_replication_role = replica")
            cur = conn.cursor()
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, COLUMNS[table])))
            self.copies[table] = self.stack.enter_context(cur.copy(statement, writer=QueuedLibpqWriter(cur)))
        return self

    def emit(self, table: str, line: str) -> None:
        self.buffers[table].append(line)
        self.rows[table] += 1
        self.sizes[table] += len(line)
        if self.sizes[table] >= FLUSH_BYTES:
            self._flush(table)

    def _flush(self, table: str) -> None:
        if self.buffers[table]:
            self.copies[table].write("".join(self.buffers[table]))
            self.buffers[table].clear()
            self.sizes[table] = 0

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            for table in self.tables:
                self._flush(table)
        try:
            self.stack.__exit__(kind, error, trace)
            for conn in self.connections:
                if kind is None:
                    conn.commit()
        finally:
            for conn in self.connections:
                conn.close()


def _plain_indexes(conn: psycopg.Connection, tables: Iterable[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that back no constraint (safe to drop and recreate)."""
    return conn.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1""", (list(tables),)).fetchall()


def _insert_plans(conn: psycopg.Connection) -> None:
    for plan_id, name, price, price_id in plan_rows():
        conn.execute(
            """INSERT INTO subscription_plan (created_at, updated_at, id, name, description, price_amount, currency,
                   interval, max_services, max_calendars, max_bookings_per_month, sms_included, stripe_product_id,
                   stripe_price_id, is_active, sort_order, is_free, sms_overage, sms_overage_price)
               VALUES (now(), now(), %s, %s, NULL, %s, 'EUR', 'month', NULL, NULL, NULL, 500, %s, %s, true, %s,
                   false, 'bill', 0.05)""",
            (plan_id, name, price, f"prod_{price_id}", price_id, plan_id))


def _fix_sequences(conn: psycopg.Connection) -> None:
    rows = conn.execute(
        """SELECT c.relname, a.attname, pg_get_serial_sequence(c.relname, a.attname)
             FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND pg_get_serial_sequence(c.relname, a.attname) IS NOT NULL""").fetchall()
    for table, column, sequence in rows:
        conn.execute(sql.SQL("SELECT setval(%s, GREATEST((SELECT max({}) FROM {}), 1))").format(
            sql.Identifier(column), sql.Identifier(table)), (sequence,))


@dataclass
class LoadReport:
    database: str
    stores: int
    bookings: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def lines(self) -> list[str]:
        copy_s = self.seconds.get("copy", 0.0)
        total = sum(self.seconds.values())
        out = [f"{self.database}: {self.stores} stores, {self.bookings} bookings, {self.total_rows} rows "
               f"in {total:.1f} s ({self.total_rows / max(copy_s, 1e-9):,.0f} rows/s during COPY)"]
        out += [f"  {phase}: {seconds:.1f} s" for phase, seconds in self.seconds.items()]
        out += [f"  {table}: {count:,}" for table, count in sorted(self.rows.items())]
        return out


def generate(url: str, *, stores: int, bookings: int, seed: int, anchor: date, progress=print) -> LoadReport:
    """Fill the freshly migrated database at `url`; raise if a check fails afterwards."""
    from hub_app.domain.accounts.service import hash_password

    url = plain_url(url)
    report = LoadReport(url.rpartition("/")[2], stores, bookings)
    clock = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        _insert_plans(conn)
        dropped = _plain_indexes(conn, BIG_TABLES)
        for name, _ in dropped:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    report.seconds["prepare"] = time.perf_counter() - clock

    clock = time.perf_counter()
    # One hash for every generated account (argon2 is deliberately slow); the password is
    # documented so the benchmark can sign in as any of them.
    password_hash = hash_password(SCALE_PASSWORD)
    layout = shapes(stores, bookings)
    with CopySink(url, COLUMNS) as sink:
        generator = Generator(seed, anchor, password_hash, sink.emit)
        step = max(1, len(layout) // 20)
        for n, shape in enumerate(layout, start=1):
            generator.store(shape)
            if n % step == 0 or n == len(layout):
                elapsed = time.perf_counter() - clock
                done = sum(sink.rows.values())
                progress(f"  {n}/{len(layout)} stores, {done:,} rows, {done / elapsed:,.0f} rows/s")
    report.rows = dict(sink.rows)
    report.seconds["copy"] = time.perf_counter() - clock

    clock = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in dropped:
            conn.execute(definition)
        _fix_sequences(conn)
    report.seconds["indexes"] = time.perf_counter() - clock

    clock = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        problems = checks.problems(conn)
    report.seconds["checks"] = time.perf_counter() - clock
    if problems:
        raise RuntimeError("generated data breaks the schema's rules:\n" + "\n".join(problems))

    clock = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        # Marks the database as complete for these parameters (`run` reuses it, see is_generated).
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(report.database), sql.Literal(marker(stores, bookings, seed, anchor))))
    report.seconds["vacuum"] = time.perf_counter() - clock
    return report


def marker(stores: int, bookings: int, seed: int, anchor: date) -> str:
    return f"bench.scale stores={stores} bookings={bookings} seed={seed} anchor={anchor.isoformat()}"


def is_generated(admin_url: str, name: str, stores: int, bookings: int, seed: int, anchor: date) -> bool:
    """The database exists and a load with exactly these parameters finished in it."""
    with psycopg.connect(plain_url(admin_url), autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           (name,)).fetchone()
    return row is not None and row[0] == marker(stores, bookings, seed, anchor)


SCALE_PASSWORD = "scale-bench-password"
