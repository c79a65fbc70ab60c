"""Server time of the manager dashboard's pages and of the reminder tick.

The Reflex pages' event handlers call the functions of hub_app/manage/<section>/present.py (one
unit of work each, as the app role `hub_tenant` under row-level security, then the formatting of
the rows the page shows); these figures time exactly those calls, in this process, so they are
the server-side cost of a page load without the websocket round trip.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta

from bench.scale.timing import Figure, Timer


@dataclass(frozen=True)
class StoreUnderTest:
    label: str              # "biggest" or "median"
    store_id: int
    slug: str
    manager_id: int
    service_id: int
    client_id: int          # a client with bookings here
    client_email: str
    bookings: int


def manager_context(store: StoreUnderTest):
    from hub_app.db import unit_of_work
    from hub_app.domain.accounts.models import AppUser
    from hub_app.domain.tenancy import TenantContext

    with unit_of_work(TenantContext.system()) as db:
        manager = db.get(AppUser, store.manager_id)
        return TenantContext.for_user(manager)


def dashboard_figures(store: StoreUnderTest, timer: Timer, exports: bool = True) -> list[Figure]:
    from hub_app.domain.bookings.listing import BookingFilters
    from hub_app.manage.bookings import present as bookings_page
    from hub_app.manage.clients import present as clients_page
    from hub_app.manage.notifications import present as notifications_page
    from hub_app.manage.overview import present as overview_page
    from hub_app.manage.shell.present import store_today

    ctx = manager_context(store)
    today = store_today(ctx)
    month_ago = today - timedelta(days=29)
    figures: list[Figure] = []

    def add(name: str, call, note: str = "") -> None:
        figures.append(timer.run(Figure(name, "dashboard", store.label, note=note), call))

    add("overview (30 days)", lambda: overview_page.overview_data(ctx, month_ago, today))
    add("overview (365 days)", lambda: overview_page.overview_data(ctx, today - timedelta(days=364), today))
    for view in ("day", "week", "month"):
        add(f"bookings calendar: {view}", lambda view=view: bookings_page.calendar_grid(ctx, view, today))
    add("bookings list: first page", lambda: bookings_page.list_page(ctx, BookingFilters(), "", 25))
    add("bookings list: status=cancelled",
        lambda: bookings_page.list_page(ctx, BookingFilters(status="cancelled"), "", 25))
    add("bookings list: last 30 days, completed",
        lambda: bookings_page.list_page(ctx, BookingFilters(date_from=month_ago, date_to=today, status="completed"),
                                        "", 25))
    add("bookings list: search by client", lambda: bookings_page.list_page(
        ctx, BookingFilters(search=store.client_email.split("@")[0]), "", 25))
    # Keyset pages: a deep page is reached by following the cursors, as the page's "Next" does.
    cursor, depth = "", 0
    while depth < 39:
        _, _, following = bookings_page.list_page(ctx, BookingFilters(), cursor, 25)
        if not following:
            break
        cursor, depth = following, depth + 1
    add(f"bookings list: page {depth + 1}", lambda: bookings_page.list_page(ctx, BookingFilters(), cursor, 25),
        note="after following the cursors")
    add("clients list: first page", lambda: clients_page.client_rows(ctx, "", "", 25))
    add("clients list: search", lambda: clients_page.client_rows(ctx, "maria", "", 25))
    add("client card", lambda: clients_page.client_detail(ctx, store.client_id))
    add("notifications history", lambda: notifications_page.history(ctx, "", 0, 25))
    if not exports:
        return figures
    figures.append(_export("bookings CSV export (all)", store, timer,
                           lambda: _download(bookings_page.export_link(ctx, BookingFilters()))))
    figures.append(_export("clients CSV export (all)", store, timer,
                           lambda: _download(clients_page.export_link(ctx, ""))))
    return figures


def _export(name: str, store: StoreUnderTest, timer: Timer, call) -> Figure:
    """The peak of Python allocations from a first, traced run (it is the warm-up too), then
    the time as the page runs it."""
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        rows, size = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    traced = time.perf_counter() - started
    figure = Figure(name, "dashboard", store.label)
    if traced > timer.budget:
        # Longer than a figure's whole budget: one more call, untraced (tracing slows Python
        # down several times), is the sample.
        started = time.perf_counter()
        call()
        figure.samples.append(time.perf_counter() - started)
        text_note = "1 timed call"
    else:
        figure = Timer(repeat=timer.repeat, warmup=0, budget=timer.budget).run(figure, call)
        text_note = ""
    figure.peak_mb = round(peak / 2**20, 1)
    figure.note = ", ".join(filter(None, (f"{rows:,} rows", f"{size / 2**20:.1f} MB streamed", text_note)))
    return figure


def _download(path: str) -> tuple[int, int]:
    """Follow a dashboard download link as `GET /exports/<token>` does, keeping no row: the rows
    and bytes streamed. The traced peak is then what the streaming itself holds."""
    from hub_app.api.exports import csv_rows, open_export

    ctx, link = open_export(path.rsplit("/", 1)[1])
    lines = size = 0
    for chunk in csv_rows(ctx, link):
        lines += chunk.count(b"\n")
        size += len(chunk)
    return max(lines - 1, 0), size


def worker_figures(timer: Timer) -> list[Figure]:
    """The reminder part of the notification tick (system-wide), rolled back after each run so
    every run finds the same due bookings; and the tick's scan for pending rows to send."""
    from hub_app.db import open_session, unit_of_work
    from hub_app.domain.notifications import dispatch, reminders
    from hub_app.domain.tenancy import TenantContext

    written: list[int] = []

    def reminder_tick() -> None:
        db = open_session(TenantContext.system())
        try:
            created = reminders.queue_due_reminders(db, TenantContext.system())
            db.flush()
            written.append(len(created))
        finally:
            db.rollback()
            db.close()

    def due_scan() -> None:
        with unit_of_work(TenantContext.system()) as db:
            dispatch.due_for_sending(db)

    tick = timer.run(Figure("reminder tick (scan + write, rolled back)", "worker", "platform"), reminder_tick)
    tick.note = f"{written[-1] if written else 0} reminders due per tick"
    return [tick, timer.run(Figure("notification tick: pending scan", "worker", "platform"), due_scan)]

