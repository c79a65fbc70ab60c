"""A big scratch database for EXPLAIN work on the hot queries, filled by SQL in a few minutes.

Not the product's data generator (that is `bench/scale.py`): this one only makes shapes the query
plans care about. One store holds `--big-store` bookings; the other stores share the rest by a
Zipf-like rule (the k-th store gets about 1/k^0.9 of it, at least one). Each calendar takes one
booking per hour, 09:00-19:00 local, from two years ago onwards, so no two overlap; clients, a
manager per store, payments for a third of the paid bookings and webhook inbox rows come along.
Triggers are off during the load (session_replication_role = replica, owner only), and the
rollups are rebuilt from a recount afterwards, as migration 0018's backfill would build them.

    .venv/bin/python -m bench.explain_dataset --database-url postgresql://postgres@127.0.0.1/scale \
        [--stores 10000] [--bookings 3000000] [--big-store 500000]

The database must exist and be migrated (`DATABASE_URL=... python -m hub_app migrate`) and empty.
"""

from __future__ import annotations

import argparse
import time

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from hub_app.domain.reporting.recount import rebuild

HOURS_PER_DAY = 10
DAYS = 730


def store_sizes(stores: int, bookings: int, big: int) -> list[int]:
    rest = max(bookings - big, 0)
    weights = [1 / (k ** 0.9) for k in range(1, stores)]
    scale = rest / sum(weights) if weights else 0
    return [big] + [max(1, int(w * scale)) for w in weights]


def step(conn: psycopg.Connection, label: str, sql: str) -> None:
    began = time.perf_counter()
    conn.execute(sql)
    print(f"{label}: {time.perf_counter() - began:.1f} s", flush=True)


def fill(url: str, stores: int, bookings: int, big: int) -> None:
    sizes = store_sizes(stores, bookings, big)
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("CREATE TEMP TABLE plan (store_id int PRIMARY KEY, n int)")
        with conn.cursor().copy("COPY plan (store_id, n) FROM STDIN") as copy:
            for store_id, n in enumerate(sizes, start=1):
                copy.write_row((store_id, n))
        step(conn, "plan", """
            ALTER TABLE plan ADD COLUMN ncal int, ADD COLUMN nclients int, ADD COLUMN cal_base int,
                             ADD COLUMN client_base int;
            UPDATE plan SET ncal = greatest(1, ceil(n / {per_calendar}::numeric)), nclients = greatest(1, n / 6);
            WITH c AS (SELECT store_id, sum(ncal) OVER w - ncal AS cb, sum(nclients) OVER w - nclients AS kb
                       FROM plan WINDOW w AS (ORDER BY store_id))
            UPDATE plan p SET cal_base = c.cb, client_base = c.kb + {first_client} FROM c
            WHERE c.store_id = p.store_id;
        """.format(per_calendar=HOURS_PER_DAY * DAYS, first_client=stores + 1))
        step(conn, "stores and managers", """
            INSERT INTO app_user (id, created_at, updated_at, first_name, last_name, email, password_hash, role,
                                  locale, store_id, is_active)
            SELECT store_id, now(), now(), 'Manager', 'M' || store_id, 'manager' || store_id || '@scale.test', '-',
                   'store_manager', 'en', store_id, true FROM plan;  -- foreign keys are checked by triggers: off
            INSERT INTO store (id, created_at, updated_at, name, slug, timezone, locale, currency, manager_user_id,
                               stripe_enabled, stripe_onboarding_state, cancellation_cutoff_hours,
                               min_notice_minutes, booking_horizon_days, payment_hold_minutes,
                               reminder_hours_before, is_active)
            SELECT store_id, now() - interval '800 days', now(), 'Store ' || store_id, 'scale-' || store_id,
                   'Europe/Athens', 'en', 'EUR', store_id, false, 'none', 24, 0, 365, 15, 24, true FROM plan;
            INSERT INTO service (id, created_at, updated_at, store_id, name, duration_minutes, buffer_before_minutes,
                                 buffer_after_minutes, min_persons, max_persons, capacity_persons, price_type,
                                 base_price_amount, payment_enabled, is_recurring, is_archived)
            SELECT store_id, now(), now(), store_id, 'Session', 50, 0, 0, 1, 1, 1, 'fixed', 30, false, false, false
            FROM plan;
        """)
        step(conn, "calendars", """
            INSERT INTO calendar (id, created_at, updated_at, store_id, name, is_active)
            SELECT cal_base + g + 1, now(), now(), store_id, 'Chair ' || (g + 1), true
            FROM plan, generate_series(0, ncal - 1) g;
            INSERT INTO calendar_service (calendar_id, service_id, store_id)
            SELECT cal_base + g + 1, store_id, store_id FROM plan, generate_series(0, ncal - 1) g;
            INSERT INTO opening_rule (created_at, updated_at, store_id, calendar_id, weekday, start_time, end_time)
            SELECT now(), now(), store_id, cal_base + g + 1, d, '09:00', '19:00'
            FROM plan, generate_series(0, ncal - 1) g, generate_series(0, 6) d;
            INSERT INTO availability_version (calendar_id, store_id, version)
            SELECT cal_base + g + 1, store_id, 0 FROM plan, generate_series(0, ncal - 1) g;
        """)
        step(conn, "clients", """
            INSERT INTO app_user (id, created_at, updated_at, first_name, last_name, email, password_hash, role,
                                  locale, is_active, phone_number)
            SELECT client_base + g, now(), now(),
                   (ARRAY['Maria','Nikos','Eleni','Giorgos','Anna','Kostas','Sofia','Dimitris'])[1 + g % 8],
                   'Client' || (client_base + g), 'client' || (client_base + g) || '@scale.test', '-', 'client',
                   'en', true, '+30690' || lpad(((client_base + g) % 10000000)::text, 7, '0')
            FROM plan, generate_series(0, nclients - 1) g;
        """)
        step(conn, "bookings", """
            INSERT INTO booking (created_at, updated_at, store_id, client_user_id, service_id, calendar_id, start_at,
                                 end_at, booking_date, start_time, end_time, number_of_persons, status, total_amount,
                                 amount_paid, currency, payment_status, source)
            SELECT s - make_interval(days => 1 + k %% 30), s - make_interval(days => 1 + k %% 30), store_id,
                   client_base + ((k::bigint * 7919) %% nclients)::int, store_id, cal_base + k %% ncal + 1, s,
                   s + interval '50 minutes', (s AT TIME ZONE 'Europe/Athens')::date,
                   (s AT TIME ZONE 'Europe/Athens')::time, (s AT TIME ZONE 'Europe/Athens' + interval '50 minutes')::time,
                   1,
                   CASE WHEN k %% 20 IN (0, 1) THEN 'cancelled'
                        WHEN k %% 20 = 2 AND s < now() THEN 'no_show'
                        WHEN s < now() THEN 'completed'
                        WHEN k %% 20 = 3 THEN 'pending' ELSE 'confirmed' END,
                   25 + (k %% 5) * 5, 0, 'EUR', 'unpaid', 'web'
            FROM (SELECT p.*, k,
                         (date_trunc('day', now()) - interval '%s days' + make_interval(days => (k / ncal) / %s)
                          + make_interval(hours => 7 + (k / ncal) %% %s)) AS s
                  FROM plan p, generate_series(0, n - 1) k) AS b;
        """ % (DAYS, HOURS_PER_DAY, HOURS_PER_DAY))
        step(conn, "payments", """
            INSERT INTO payment (created_at, updated_at, store_id, user_id, booking_id, kind, amount, currency, status,
                                 payment_date)
            SELECT created_at, created_at, store_id, client_user_id, id, 'charge', total_amount, 'EUR', 'succeeded',
                   created_at
            FROM booking WHERE id %% 3 = 0 AND status IN ('confirmed', 'completed');
        """.replace("%%", "%"))
        step(conn, "webhook inbox", """
            INSERT INTO webhook_event (provider, event_id, event_type, store_id, payload, status, received_at, attempts)
            SELECT (ARRAY['stripe','calendly','easysms'])[1 + g % 3], 'evt_' || g, 'x', 1 + g % {stores}, '{{}}',
                   CASE WHEN g % 1000 = 0 THEN 'received' WHEN g % 997 = 0 THEN 'failed' ELSE 'processed' END,
                   now() - make_interval(secs => g * 30), 1
            FROM generate_series(1, 300000) g;
        """.format(stores=stores))
        step(conn, "sequences", """
            SELECT setval('store_id_seq', (SELECT max(id) FROM store));
            SELECT setval('app_user_id_seq', (SELECT max(id) FROM app_user));
            SELECT setval('service_id_seq', (SELECT max(id) FROM service));
            SELECT setval('calendar_id_seq', (SELECT max(id) FROM calendar));
        """)
        conn.execute("SET session_replication_role = origin")
        conn.commit()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    began = time.perf_counter()
    with Session(engine) as db:
        rebuild(db)
        db.commit()
    print(f"rollups rebuilt: {time.perf_counter() - began:.1f} s", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        step(conn, "vacuum analyze", "VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=3_000_000)
    parser.add_argument("--big-store", type=int, default=500_000)
    args = parser.parse_args()
    fill(args.database_url.replace("postgresql+psycopg://", "postgresql://", 1), args.stores, args.bookings,
         args.big_store)


if __name__ == "__main__":
    main()
