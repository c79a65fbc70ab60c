"""The database's own ceiling for bookings: pgbench inserting non-overlapping bookings the way the
app does, on the benchmark's database, with as many clients as the HTTP run.

    ceiling = measure(owner_url, store_id, service_id, client_id, calendar_ids, clients=16, seconds=5)

Each pgbench transaction is the database half of a signed-in booking: as the app's login role
(row-level security applies), publish the tenant settings for the transaction
(set_config(..., true)), lock the calendar row, insert a confirmed 30-minute booking (the
no-overlap trigger `booking_no_overlap` checks it against the calendar's live bookings under that
lock), commit. Slots come from a sequence, spread over the ten calendars and far past the
workload's bookings, so no two inserts overlap and none is refused. What it leaves out is the
app's side: the HTTP request, the sign-in check, reading the service and rules, the audit entry
and the outbox rows. `app bookings/s / pgbench inserts/s` says how much of the database's
capacity the whole app reaches; bench/http_booking.py prints it after its wrk bookings.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SEQUENCE = "bench_ceiling_slot"
FIRST_DAY = "2031-01-06"  # a Monday years after any workload booking

_SCRIPT = f"""\\set store {{store}}
\\set client {{client}}
\\set service {{service}}
\\set first_calendar {{first_calendar}}
BEGIN;
SELECT nextval('{SEQUENCE}') AS n \\gset
\\set cal :first_calendar + (:n % {{calendars}})
\\set slot :n / {{calendars}}
\\set day :slot / 16
\\set half :slot % 16
SELECT set_config('app.store_id', :store::text, true), set_config('app.user_id', :client::text, true),
       set_config('app.bypass_rls', '', true);
SELECT id FROM calendar WHERE id = :cal FOR UPDATE;
INSERT INTO booking (store_id, client_user_id, service_id, calendar_id, start_at, end_at, booking_date,
                     start_time, end_time, number_of_persons, status, total_amount, amount_paid, currency,
                     payment_status, source, created_at, updated_at)
SELECT :store, :client, :service, :cal, s, s + interval '30 minutes', (s AT TIME ZONE 'Europe/Athens')::date,
       (s AT TIME ZONE 'Europe/Athens')::time, ((s + interval '30 minutes') AT TIME ZONE 'Europe/Athens')::time,
       1, 'confirmed', 20.00, 0, 'EUR', 'unpaid', 'web', now(), now()
  FROM (SELECT ((date '{FIRST_DAY}' + :day) + time '09:00' + :half * interval '30 minutes')
               AT TIME ZONE 'Europe/Athens' AS s) AS slot;
COMMIT;
"""


@dataclass(frozen=True)
class Ceiling:
    inserts_per_second: float
    latency_ms: float
    transactions: int
    failed: int
    clients: int
    seconds: float


def pgbench_path() -> str:
    found = shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench"
    if not Path(found).exists():
        raise RuntimeError("pgbench not found (Debian package postgresql-client)")
    return found


def measure(owner_url: str, store_id: int, service_id: int, client_id: int, calendar_ids: list[int], *,
            app_role: str = "hub_tenant", clients: int = 16, seconds: float = 5) -> Ceiling:
    calendars = sorted(calendar_ids)
    if calendars != list(range(calendars[0], calendars[0] + len(calendars))):
        raise RuntimeError(f"the calendars' ids are not consecutive: {calendars}")
    owner = sa.create_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text(f"DROP SEQUENCE IF EXISTS {SEQUENCE}"))
        conn.execute(sa.text(f"CREATE SEQUENCE {SEQUENCE}"))
        conn.execute(sa.text(f"GRANT USAGE ON SEQUENCE {SEQUENCE} TO {app_role}"))
    url = sa.make_url(owner_url)
    script = _SCRIPT.format(store=store_id, client=client_id, service=service_id, first_calendar=calendars[0],
                            calendars=len(calendars))
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="booking-ceiling-") as file:
            file.write(script)
            file.flush()
            result = subprocess.run(
                [pgbench_path(), "-n", "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", app_role,
                 "-c", str(clients), "-j", "2", "-T", str(max(1, round(seconds))), "-f", file.name, url.database],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"pgbench failed:\n{result.stdout[-3000:]}")
        out = result.stdout
        with owner.connect() as conn:
            made = conn.execute(sa.text("SELECT count(*) FROM booking WHERE start_at >= :first"),
                                {"first": FIRST_DAY}).scalar_one()
    finally:
        with owner.begin() as conn:
            conn.execute(sa.text("DELETE FROM booking WHERE start_at >= :first"), {"first": FIRST_DAY})
            conn.execute(sa.text(f"DROP SEQUENCE IF EXISTS {SEQUENCE}"))
        owner.dispose()
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    processed = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", out)
    if made != processed:
        raise RuntimeError(f"pgbench reported {processed} transactions but {made} bookings are in the table")
    return Ceiling(tps, latency, processed, int(failed.group(1)) if failed else 0, clients, seconds)
