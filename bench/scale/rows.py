"""The generated rows, as lines of PostgreSQL's COPY text format, store by store.

Everything is derived from the seed and the store's rank (`random.Random(seed, rank)`) plus the
ids handed out so far, and stores are generated in rank order: the same seed, sizes and anchor
day give byte-identical data. Times are built from precomputed day and minute strings rather
than datetime objects (10 million bookings in Python must stay cheap).

Bookings of one calendar never overlap: a day's bookings each get their own equal share of the
09:00-18:00 opening and start inside it, so the no-overlap rule of migration 0010 holds for
every status, and the check after loading (checks.py) proves it.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bench.scale.shape import (
    FUTURE_DAYS, HISTORY_DAYS, MAX_PER_DAY, OPEN_MINUTES, OPEN_WEEKDAYS, StoreShape,
)

# The tables written by COPY, with their columns in the order the lines carry them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "app_user": ("created_at", "updated_at", "id", "first_name", "last_name", "email", "password_hash",
                 "phone_number", "address", "age", "role", "locale", "store_id", "is_active", "password_changed_at"),
    "store": ("created_at", "updated_at", "id", "name", "slug", "address", "city", "country", "phone_number",
              "email", "description", "timezone", "locale", "currency", "manager_user_id", "stripe_enabled",
              "stripe_account_id", "stripe_onboarding_state", "current_subscription_plan_id",
              "cancellation_cutoff_hours", "min_notice_minutes", "booking_horizon_days", "payment_hold_minutes",
              "reminder_hours_before", "is_active"),
    "subscription": ("created_at", "updated_at", "id", "store_id", "plan_id", "start_date", "end_date", "status",
                     "stripe_subscription_id", "stripe_customer_id", "current_period_end", "cancel_at_period_end",
                     "last_event_at", "past_due_since"),
    "calendar": ("created_at", "updated_at", "id", "store_id", "name", "is_active", "color"),
    "availability_version": ("calendar_id", "store_id", "version"),
    "opening_rule": ("created_at", "updated_at", "id", "store_id", "calendar_id", "weekday", "start_time", "end_time"),
    "service": ("created_at", "updated_at", "id", "store_id", "name", "description", "duration_minutes",
                "buffer_before_minutes", "buffer_after_minutes", "slot_step_minutes", "min_persons", "max_persons",
                "capacity_persons", "price_type", "base_price_amount", "payment_enabled", "advance_payment_type",
                "advance_payment_amount", "is_recurring", "recurring_interval", "available_from", "available_until",
                "min_notice_minutes", "booking_horizon_days", "is_archived", "stripe_product_id", "stripe_price_id"),
    "calendar_service": ("calendar_id", "service_id", "store_id"),
    "store_client": ("created_at", "updated_at", "id", "store_id", "user_id", "status", "email", "first_name",
                     "last_name", "phone_number", "invite_token_hash", "invited_at", "invited_by_user_id",
                     "accepted_at"),
    "booking": ("created_at", "updated_at", "id", "store_id", "client_user_id", "service_id", "calendar_id",
                "start_at", "end_at", "booking_date", "start_time", "end_time", "number_of_persons", "status",
                "total_amount", "advance_payment_amount", "amount_paid", "currency", "payment_status",
                "hold_expires_at", "source", "idempotency_key", "calendly_event_uri", "calendly_invitee_uri",
                "rescheduled_from_id", "cancelled_at", "cancel_reason", "cancelled_by_user_id", "notes"),
    "payment": ("created_at", "updated_at", "id", "store_id", "user_id", "booking_id", "subscription_id", "kind",
                "refund_of_payment_id", "stripe_charge_id", "stripe_payment_intent_id", "stripe_checkout_session_id",
                "stripe_invoice_id", "stripe_refund_id", "amount", "currency", "status", "payment_method",
                "payment_date", "failure_reason", "service_subscription_id", "checkout_request_key"),
    "notification": ("created_at", "updated_at", "id", "store_id", "recipient_user_id", "booking_id", "type", "kind",
                     "subject", "body", "body_html", "to_address", "status", "dedupe_key", "external_message_id",
                     "segments", "attempts", "next_attempt_at", "last_error", "sent_at", "delivered_at"),
    "audit_log": ("id", "store_id", "actor_user_id", "actor_role", "entity_type", "entity_id", "action", "before",
                  "after", "at"),
    "webhook_event": ("id", "provider", "event_id", "event_type", "store_id", "payload", "status", "received_at",
                      "processed_at", "attempts", "last_error", "last_attempt_at", "verified_by"),
}

N = "\\N"   # COPY's NULL
FIRST_NAMES = ("Maria", "Eleni", "Giorgos", "Nikos", "Katerina", "Dimitris", "Anna", "Kostas", "Sofia", "Yannis",
               "Μαρία", "Ελένη", "Γιώργος", "Νίκος", "Anna", "James", "Olivia", "Lukas", "Emma", "Noah")
LAST_NAMES = ("Papadopoulos", "Georgiou", "Nikolaou", "Ioannou", "Smith", "Müller", "Jones", "Brown", "Garcia",
              "Παπαδοπούλου", "Γεωργίου", "Wilson", "Taylor", "Schmidt", "Rossi", "Dubois", "Kowalski", "Novak")
CITIES = ("Athens", "Thessaloniki", "Patras", "Berlin", "London", "New York", "Heraklion", "Munich")
# Zones whose 09:00-18:00 stays inside one UTC date all year (one date string per booking day).
ZONES = ("Europe/Athens", "Europe/Athens", "Europe/Athens", "Europe/Berlin", "Europe/London", "America/New_York")
SERVICE_KINDS = (("Haircut", 30, 25), ("Colour", 60, 70), ("Beard trim", 30, 15), ("Massage", 60, 55),
                 ("Consultation", 45, 40), ("Manicure", 45, 30), ("Physio session", 60, 50), ("Lesson", 45, 35))
COLORS = ("#e57373", "#64b5f6", "#81c784", "#ffb74d", "#ba68c8", "#4db6ac")
PLANS = ((2, "Pro", "29.00", "price_scale_pro"), (3, "Business", "79.00", "price_scale_business"))
HM = [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)]


def _counts_per_day(rng: random.Random, total: int, days: int) -> list[int]:
    """`total` bookings over `days` open days, at most MAX_PER_DAY a day, summing exactly."""
    if total >= days * MAX_PER_DAY:
        return [MAX_PER_DAY] * days
    rate = total / days
    whole, part = int(rate), rate - int(rate)
    counts = [min(MAX_PER_DAY, whole + (1 if rng.random() < part else 0)) for _ in range(days)]
    short = total - sum(counts)
    while short:
        i = rng.randrange(days)
        if short > 0 and counts[i] < MAX_PER_DAY:
            counts[i] += 1
            short -= 1
        elif short < 0 and counts[i] > 0:
            counts[i] -= 1
            short += 1
    return counts


class Generator:
    """Hands out ids and writes every row of one store after another through `emit(table, line)`."""

    def __init__(self, seed: int, anchor: date, password_hash: str, emit: Callable[[str, str], None]) -> None:
        self.seed, self.emit, self.password_hash = seed, emit, password_hash
        self.first_day = anchor - timedelta(days=HISTORY_DAYS)
        self.today = HISTORY_DAYS                     # index of the anchor day
        self.days = HISTORY_DAYS + FUTURE_DAYS
        # Date strings from 60 days before the first day (bookings are made ahead of time).
        self.lead = 60
        self.day_str = [(self.first_day + timedelta(days=d - self.lead)).isoformat()
                        for d in range(self.days + self.lead + 1)]
        self.open_days = [d for d in range(self.days)
                          if (self.first_day + timedelta(days=d)).weekday() in OPEN_WEEKDAYS]
        # Minutes east of UTC at local noon, per zone and day (DST moves it twice a year).
        self.offsets = {zone: [int(datetime(*(self.first_day + timedelta(days=d)).timetuple()[:3], 12,
                                            tzinfo=ZoneInfo(zone)).utcoffset().total_seconds() // 60)
                               for d in range(self.days)] for zone in set(ZONES)}
        self.now_stamp = f"{anchor.isoformat()} 00:00:00+00"
        self.next = dict.fromkeys(("app_user", "store", "subscription", "calendar", "opening_rule", "service",
                                   "store_client", "booking", "payment", "notification", "audit_log",
                                   "webhook_event"), 1)
        self.clients = array("i")                     # every client id so far (shared clients come from here)
        self.admin_id = self._id("app_user")
        emit("app_user", self._user_line(self.admin_id, "Platform", "Admin", "admin@scale.example", "admin", N,
                                         self.day_str[0]))

    # ids and small pieces -------------------------------------------------------------------
    def _id(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def _stamp(self, day: int, minute: int) -> str:
        return f"{self.day_str[day + self.lead]} {HM[minute]}:00+00"

    def _user_line(self, uid: int, first: str, last: str, email: str, role: str, store_id: object,
                   created: str) -> str:
        locale = "el" if uid % 3 == 0 else "en"
        return (f"{created} 08:00:00+00\t{created} 08:00:00+00\t{uid}\t{first}\t{last}\t{email}\t"
                f"{self.password_hash}\t+3069{uid % 100000000:08d}\t{N}\t{N}\t{role}\t{locale}\t{store_id}\tt\t{N}\n")

    @staticmethod
    def client_names(uid: int) -> tuple[str, str, str]:
        return (FIRST_NAMES[uid % len(FIRST_NAMES)], LAST_NAMES[(uid // len(FIRST_NAMES)) % len(LAST_NAMES)],
                f"client{uid}@scale.example")

    # one store ------------------------------------------------------------------------------
    def store(self, shape: StoreShape) -> None:
        rng = random.Random(self.seed * 1_000_003 + shape.rank)
        emit, stamp = self.emit, self._stamp
        store_id = self._id("store")
        zone = ZONES[rng.randrange(len(ZONES))]
        offsets = self.offsets[zone]
        opened = stamp(0, 7 * 60)
        manager_id = self._id("app_user")
        emit("app_user", self._user_line(manager_id, "Manager", f"{store_id}", f"manager{store_id}@scale.example",
                                         "store_manager", store_id, self.day_str[self.lead]))
        paid_online = shape.rank <= 3 or rng.random() < 0.3
        plan_id, plan_price, price_id = self._plan(rng, shape)
        emit("store", f"{opened}\t{opened}\t{store_id}\tScale store {store_id}\tscale-{store_id}\t"
                      f"{store_id} Main street\t{CITIES[store_id % len(CITIES)]}\tGR\t+30210{store_id:07d}\t"
                      f"store{store_id}@scale.example\tA generated store for the scale benchmark.\t{zone}\t"
                      f"{'el' if zone == 'Europe/Athens' else 'en'}\tEUR\t{manager_id}\t{'t' if paid_online else 'f'}\t"
                      f"{f'acct_scale_{store_id}' if paid_online else N}\t"
                      f"{'complete' if paid_online else 'not_started'}\t{plan_id}\t24\t60\t60\t15\t24\tt\n")
        subscription_id = self._id("subscription")
        period_end = stamp(self.today + 20, 0)
        emit("subscription", f"{opened}\t{opened}\t{subscription_id}\t{store_id}\t{plan_id}\t{opened}\t{N}\tactive\t"
                             f"{f'sub_scale_{store_id}' if price_id else N}\t{f'cus_scale_{store_id}' if price_id else N}\t"
                             f"{period_end if price_id else N}\tf\t{N}\t{N}\n")
        if price_id:
            # One invoice a month for the two years of history.
            for month in range(HISTORY_DAYS // 30):
                pid = self._id("payment")
                paid = stamp(month * 30 + 10, 3 * 60)
                emit("payment", f"{paid}\t{paid}\t{pid}\t{store_id}\t{manager_id}\t{N}\t{subscription_id}\tcharge\t{N}\t"
                                f"ch_scale_{pid}\t{N}\t{N}\tin_scale_{pid}\t{N}\t{plan_price}\tEUR\tsucceeded\tcard\t"
                                f"{paid}\t{N}\t{N}\t{N}\n")

        calendars = [self._id("calendar") for _ in range(shape.calendars)]
        for n, cal in enumerate(calendars):
            emit("calendar", f"{opened}\t{opened}\t{cal}\t{store_id}\tCalendar {n + 1}\tt\t{COLORS[n % len(COLORS)]}\n")
            emit("availability_version", f"{cal}\t{store_id}\t0\n")
            for weekday in OPEN_WEEKDAYS:
                emit("opening_rule", f"{opened}\t{opened}\t{self._id('opening_rule')}\t{store_id}\t{cal}\t{weekday}\t"
                                     f"{HM[OPEN_MINUTES[0]]}:00\t{HM[OPEN_MINUTES[1]]}:00\n")
        services = []
        for n in range(shape.services):
            name, minutes, price = SERVICE_KINDS[(n + shape.rank) % len(SERVICE_KINDS)]
            sid = self._id("service")
            services.append((sid, minutes, f"{price + 5 * (n // len(SERVICE_KINDS))}.00"))
            emit("service", f"{opened}\t{opened}\t{sid}\t{store_id}\t{name} {n + 1}\t{N}\t{minutes}\t0\t0\t{N}\t1\t1\t1\t"
                            f"fixed\t{services[-1][2]}\t{'t' if paid_online else 'f'}\t{N}\t{N}\tf\t{N}\t{N}\t{N}\t{N}\t{N}\t"
                            f"f\t{N}\t{N}\n")
            for cal in calendars:
                emit("calendar_service", f"{cal}\t{sid}\t{store_id}\n")

        # Clients: new people, plus about one in ten who already booked at another store.
        shared = min(len(self.clients), shape.clients // 10)
        chosen = {self.clients[rng.randrange(len(self.clients))] for _ in range(shared)}
        store_clients = list(chosen)
        for _ in range(shape.clients - len(store_clients)):
            uid = self._id("app_user")
            first, last, email = self.client_names(uid)
            emit("app_user", self._user_line(uid, first, last, email, "client", N, self.day_str[self.lead + uid % 400]))
            self.clients.append(uid)
            store_clients.append(uid)
        booked: set[int] = set()
        self._bookings(rng, shape, store_id, manager_id, calendars, services, store_clients, booked, offsets,
                       paid_online)
        for uid in sorted(booked):
            first, last, email = self.client_names(uid)
            emit("store_client", f"{opened}\t{opened}\t{self._id('store_client')}\t{store_id}\t{uid}\tactive\t{email}\t"
                                 f"{first}\t{last}\t+3069{uid % 100000000:08d}\t{N}\t{N}\t{N}\t{opened}\n")

    @staticmethod
    def _plan(rng: random.Random, shape: StoreShape) -> tuple[int, str, str | None]:
        """(plan id, monthly price, Stripe price): a store outgrowing the free plan's limits (one
        calendar, three services, 50 bookings a month) pays; a fifth of the others pay anyway."""
        (pro, _, pro_price, pro_stripe), (business, _, business_price, business_stripe) = PLANS
        monthly = shape.bookings * 30 / (HISTORY_DAYS + FUTURE_DAYS)
        roll = rng.random()
        if shape.calendars > 10 or roll < 0.03:
            return business, business_price, business_stripe
        if shape.calendars > 1 or shape.services > 3 or monthly > 50 or roll < 0.2:
            return pro, pro_price, pro_stripe
        return 1, "0.00", None

    def _bookings(self, rng: random.Random, shape: StoreShape, store_id: int, manager_id: int, calendars: list[int],
                  services: list, clients: list[int], booked: set[int], offsets: list[int], paid_online: bool) -> None:
        emit, stamp, day_str, lead, today = self.emit, self._stamp, self.day_str, self.lead, self.today
        random_, randrange = rng.random, rng.randrange
        per_calendar, extra = divmod(shape.bookings, len(calendars))
        open_days = self.open_days
        start_open, end_open = OPEN_MINUTES
        for n, cal in enumerate(calendars):
            counts = _counts_per_day(rng, per_calendar + (1 if n < extra else 0), len(open_days))
            for day, count in zip(open_days, counts):
                if not count:
                    continue
                share = (end_open - start_open) // count
                offset = offsets[day]
                date_s = day_str[day + lead]
                future = day >= today
                for slot in range(count):
                    sid, minutes, price = services[randrange(len(services))]
                    # Start on a quarter hour inside this booking's own share of the day.
                    room = (share - minutes) // 15
                    local = start_open + slot * share + 15 * (randrange(room + 1) if room > 0 else 0)
                    utc_start = local - offset
                    bid = self._id("booking")
                    client = clients[randrange(len(clients))]
                    booked.add(client)
                    # Booked 1-29 days ahead, and never after the anchor day.
                    made_day = min(day - randrange(1, 30), today - 1 - randrange(3))
                    created = stamp(made_day, randrange(7 * 60, 21 * 60))
                    roll = random_()
                    source = "web" if roll < 0.7 else "manager" if roll < 0.9 else "api"
                    roll = random_()
                    if future:
                        status = "cancelled" if roll < 0.08 else "confirmed"
                    else:
                        status = "cancelled" if roll < 0.1 else "no_show" if roll < 0.14 else "completed"
                    cancelled = status == "cancelled"
                    cancelled_at = N
                    if cancelled:
                        # After it was made (21:00-22:00, bookings are made before 21:00), before
                        # the booking's day and before the anchor day.
                        cancel_day = min(day - 1, today - 1, made_day + 1 + randrange(20))
                        cancelled_at = stamp(cancel_day, 21 * 60 + randrange(60))
                    updated = cancelled_at if cancelled else created
                    paid = paid_online and source == "web" and random_() < 0.8
                    payment_status = ("refunded" if cancelled else "paid") if paid else "unpaid"
                    emit("booking",
                         f"{created}\t{updated}\t{bid}\t{store_id}\t{client}\t{sid}\t{cal}\t"
                         f"{date_s} {HM[utc_start]}:00+00\t{date_s} {HM[utc_start + minutes]}:00+00\t{date_s}\t"
                         f"{HM[local]}:00\t{HM[local + minutes]}:00\t1\t{status}\t{price}\t{N}\t"
                         f"{price if paid else '0.00'}\tEUR\t{payment_status}\t{N}\t{source}\t{N}\t{N}\t{N}\t{N}\t"
                         f"{cancelled_at}\t{'Client asked' if cancelled else N}\t"
                         f"{(client if source == 'web' else manager_id) if cancelled else N}\t{N}\n")
                    email = f"client{client}@scale.example"
                    nid = self._id("notification")
                    emit("notification",
                         f"{created}\t{created}\t{nid}\t{store_id}\t{client}\t{bid}\temail\tconfirmation\t"
                         f"Booking confirmed\tYour booking on {date_s} at {HM[local]} is confirmed.\t{N}\t{email}\t"
                         f"delivered\tconfirmation:{bid}:email\t{N}\t{N}\t1\t{created}\t{N}\t{created}\t{created}\n")
                    if not future and not cancelled and random_() < 0.3:
                        sent = stamp(day - 1, utc_start)
                        nid = self._id("notification")
                        key = f"{date_s.replace('-', '')}T{HM[utc_start].replace(':', '')}00Z"
                        emit("notification",
                             f"{sent}\t{sent}\t{nid}\t{store_id}\t{client}\t{bid}\tsms\treminder\t{N}\t"
                             f"Reminder: {date_s} {HM[local]}\t{N}\t+3069{client % 100000000:08d}\tdelivered\t"
                             f"reminder:{bid}:{key}:sms\tsms_{nid}\t1\t1\t{sent}\t{N}\t{sent}\t{sent}\n")
                    if cancelled:
                        nid = self._id("notification")
                        emit("notification",
                             f"{cancelled_at}\t{cancelled_at}\t{nid}\t{store_id}\t{client}\t{bid}\temail\tcancellation\t"
                             f"Booking cancelled\tYour booking on {date_s} was cancelled.\t{N}\t{email}\tsent\t"
                             f"cancellation:{bid}:email\t{N}\t{N}\t1\t{cancelled_at}\t{N}\t{cancelled_at}\t{N}\n")
                        actor, role = (client, "client") if source == "web" else (manager_id, "store_manager")
                        emit("audit_log", f"{self._id('audit_log')}\t{store_id}\t{actor}\t{role}\tbooking\t{bid}\t"
                                          f"cancelled\t{{\"status\": \"confirmed\"}}\t{{\"status\": \"cancelled\"}}\t"
                                          f"{cancelled_at}\n")
                    elif source == "manager":
                        emit("audit_log", f"{self._id('audit_log')}\t{store_id}\t{manager_id}\tstore_manager\tbooking\t"
                                          f"{bid}\tcreated\t{N}\t{{\"status\": \"{status}\"}}\t{created}\n")
                    if paid:
                        self._payment(store_id, client, bid, price, created, cancelled_at if cancelled else None)

    def _payment(self, store_id: int, client: int, bid: int, price: str, paid_at: str, refunded_at: str | None) -> None:
        emit = self.emit
        pid = self._id("payment")
        emit("payment", f"{paid_at}\t{refunded_at or paid_at}\t{pid}\t{store_id}\t{client}\t{bid}\t{N}\tcharge\t{N}\t"
                        f"ch_scale_{pid}\tpi_scale_{pid}\tcs_scale_{pid}\t{N}\t{N}\t{price}\tEUR\t"
                        f"{'refunded' if refunded_at else 'succeeded'}\tcard\t{paid_at}\t{N}\t{N}\t{N}\n")
        self._webhook(store_id, f"evt_scale_{pid}", "checkout.session.completed", f"cs_scale_{pid}", paid_at)
        if refunded_at:
            rid = self._id("payment")
            emit("payment", f"{refunded_at}\t{refunded_at}\t{rid}\t{store_id}\t{client}\t{bid}\t{N}\trefund\t{pid}\t"
                            f"{N}\t{N}\t{N}\t{N}\tre_scale_{rid}\t{price}\tEUR\tsucceeded\tcard\t{refunded_at}\t{N}\t"
                            f"{N}\t{N}\n")
            self._webhook(store_id, f"evt_scale_{rid}", "charge.refunded", f"re_scale_{rid}", refunded_at)

    def _webhook(self, store_id: int, event_id: str, event_type: str, object_id: str, at: str) -> None:
        wid = self._id("webhook_event")
        failed = wid % 97 == 0
        self.emit("webhook_event",
                  f"{wid}\tstripe\t{event_id}\t{event_type}\t{store_id}\t"
                  f"{{\"id\": \"{event_id}\", \"type\": \"{event_type}\", \"data\": {{\"object\": {{\"id\": \"{object_id}\"}}}}}}\t"
                  f"{'failed' if failed else 'processed'}\t{at}\t{N if failed else at}\t{3 if failed else 1}\t"
                  f"{'store not found' if failed else N}\t{at}\tconnect\n")


def plan_rows() -> list[tuple[int, str, str, str]]:
    """The paid plans some generated stores subscribe to (the free plan comes with the schema)."""
    return list(PLANS)


def anchor_today() -> date:
    return datetime.now(timezone.utc).date()
