"""/manage/bookings: calendar (day, week, month) and list views, and the booking actions."""

from __future__ import annotations

from datetime import date

import reflex as rx

from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.bookings.paging import COUNT_CAP
from hub_app.domain.errors import DomainError, SlotTaken
from hub_app.domain.stores.local_time import shift_anchor
from hub_app.i18n import t
from hub_app.manage.bookings import present
from hub_app.manage.shell.forms import form_text, parse_id
from hub_app.manage.shell.present import find_clients, store_today
from hub_app.manage.shell.state import ManageState

PAGE_SIZE = 20
VIEWS = ("day", "week", "month")
NEW_CLIENT_FIELDS = ("first_name", "last_name", "email", "phone", "address", "age")


class BookingsState(ManageState):
    mode: str = "calendar"
    cal_view: str = "week"
    anchor: str = ""
    cal_title: str = ""
    cal_days: list[dict[str, str]] = []
    cal_items: list[list[dict[str, str]]] = []
    cal_more: list[str] = []
    cal_external: list[list[dict[str, str]]] = []
    cal_hours: list[dict[str, str]] = []
    cal_height: str = "720px"
    filters: dict[str, str] = {"from": "", "to": "", "status": "", "service": "", "search": "", "sort": "start"}
    filter_key: int = 0
    page: int = 0
    # Keyset pages: cursors[i] opens page i ("" for the first); next_cursor opens the one after.
    cursors: list[str] = [""]
    next_cursor: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    services: list[dict[str, str]] = []
    selected: dict[str, str] = {}
    resched_day: str = ""
    resched_slots: list[dict[str, str]] = []
    resched_searched: bool = False
    phone_open: bool = False
    phone_clients: list[dict[str, str]] = []
    phone_client: dict[str, str] = {}
    phone_new: bool = False
    phone_service: str = ""
    phone_day: str = ""
    phone_slots: list[dict[str, str]] = []
    phone_slot: dict[str, str] = {}
    phone_details: dict[str, str] = {}
    phone_errors: dict[str, str] = {}
    phone_error: str = ""
    charges: list[dict[str, str]] = []
    refunds_made: list[dict[str, str]] = []
    refund_errors: dict[str, str] = {}

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-min(self.total, COUNT_CAP) // PAGE_SIZE))

    @rx.var
    def pages_label(self) -> str:
        """"3 / 12", or "3 / 50+" when more bookings match than are counted."""
        return f"{self.page + 1} / {self.page_count}" + ("+" if self.total > COUNT_CAP else "")

    @rx.var
    def total_label(self) -> str:
        return f"{COUNT_CAP}+" if self.total > COUNT_CAP else str(self.total)

    @rx.var
    def detail_open(self) -> bool:
        return bool(self.selected)

    @rx.var
    def phone_person_choices(self) -> list[dict[str, str]]:
        chosen = next((s for s in self.services if s["id"] == self.phone_service), None)
        low, high = (int(chosen["min"]), int(chosen["max"])) if chosen else (1, 1)
        return [{"id": str(n), "name": str(n)} for n in range(low, high + 1)]

    # --- loading -----------------------------------------------------------------------------

    def _filters(self) -> BookingFilters:
        f = self.filters

        def day(value: str) -> date | None:
            try:
                return date.fromisoformat(value) if value else None
            except ValueError:
                return None

        return BookingFilters(date_from=day(f.get("from", "")), date_to=day(f.get("to", "")),
                              status=f.get("status") or None, service_id=parse_id(f.get("service")),
                              search=f.get("search") or None, order=f.get("sort") or "start")

    def _load_calendar(self, ctx) -> None:
        grid = present.calendar_grid(ctx, self.cal_view, date.fromisoformat(self.anchor))
        self.cal_title = grid["title"]
        self.cal_days, self.cal_items, self.cal_more = grid["days"], grid["items"], grid["more"]
        self.cal_external = grid["external"]
        self.cal_hours, self.cal_height = grid["hours"], grid["height"]

    def _load_list(self, ctx) -> None:
        cursor = self.cursors[self.page] if self.page < len(self.cursors) else ""
        self.rows, self.total, self.next_cursor = present.list_page(ctx, self._filters(), cursor, PAGE_SIZE)

    def _reload(self, ctx) -> None:
        if self.mode == "calendar":
            self._load_calendar(ctx)
        else:
            self._load_list(ctx)

    @rx.event
    def load(self):
        if self.dashboard_status != "ready":
            return
        params = self.router.url.query_parameters
        self.mode = "list" if params.get("view") == "list" else "calendar"
        self.selected, self.phone_open = {}, False

        def read(ctx):
            self.services = present.service_options(ctx)
            if not self.anchor:
                self.anchor = store_today(ctx).isoformat()
            self._reload(ctx)

        self._attempt(read)

    @rx.event
    def refresh(self, _tick: str = ""):
        """Periodic: new bookings (booking page, API, Calendly) appear without a reload."""
        if self.dashboard_status != "ready" or not self.anchor:
            return
        try:
            self._reload(self._manage_ctx())
        except DomainError:
            pass

    def _run(self, action, success: str | None = None):
        return self._attempt(action, success)

    # --- calendar navigation -----------------------------------------------------------------

    @rx.event
    def set_mode(self, mode: str):
        if mode in ("calendar", "list"):
            self.mode = mode
            self._run(self._reload)

    @rx.event
    def set_cal_view(self, view: str):
        if view in VIEWS:
            self.cal_view = view
            self._run(self._load_calendar)

    @rx.event
    def shift(self, steps: int):
        self.anchor = shift_anchor(self.cal_view, date.fromisoformat(self.anchor), int(steps)).isoformat()
        self._run(self._load_calendar)

    @rx.event
    def go_today(self):
        def today(ctx):
            self.anchor = store_today(ctx).isoformat()
            self._load_calendar(ctx)

        self._run(today)

    @rx.event
    def open_day(self, iso: str):
        try:
            self.anchor = date.fromisoformat(iso).isoformat()
        except ValueError:
            return
        self.cal_view = "day"
        self._run(self._load_calendar)

    # --- list --------------------------------------------------------------------------------

    @rx.event
    def apply_filters(self, form: dict):
        self.filters = {name: form_text(form, name) for name in ("from", "to", "status", "service", "search", "sort")}
        self.page, self.cursors = 0, [""]
        self._run(self._load_list)

    @rx.event
    def clear_filters(self):
        self.filters = {"from": "", "to": "", "status": "", "service": "", "search": "", "sort": "start"}
        self.filter_key += 1
        self.page, self.cursors = 0, [""]
        self._run(self._load_list)

    @rx.event
    def turn_page(self, delta: int):
        if int(delta) > 0 and self.next_cursor:
            self.cursors = self.cursors[:self.page + 1] + [self.next_cursor]
            self.page += 1
        elif int(delta) < 0 and self.page > 0:
            self.page -= 1
        self._run(self._load_list)

    @rx.event
    def export_csv(self):
        path = self._run(lambda ctx: present.export_link(ctx, self._filters()))
        if path:
            return rx.download(url=path, filename="bookings.csv")

    # --- one booking -------------------------------------------------------------------------

    @rx.event
    def open_booking(self, booking_id: str):
        row = self._run(lambda ctx: present.detail(ctx, parse_id(booking_id)))
        self.selected = row or {}
        self.resched_day, self.resched_slots, self.resched_searched = "", [], False
        self._load_charges()

    def _load_charges(self) -> None:
        self.refund_errors = {}
        self.charges, self.refunds_made = [], []
        if self.selected:
            found = self._attempt(lambda ctx: present.charge_rows(ctx, parse_id(self.selected.get("id"))))
            self.charges, self.refunds_made = found or ([], [])

    @rx.event
    def refund_selected(self, form: dict):
        """Refund part of one paid charge of the open booking (billing's refund_payment decides)."""
        payment_id = form_text(form, "payment_id")
        if payment_id not in {c["id"] for c in self.charges}:
            self.error_text = t("payments.not_found", self._loc())
            return
        done = self._attempt(lambda ctx: present.refund(ctx, parse_id(payment_id), form_text(form, "amount"),
                                                                form_text(form, "reason")) or True,
                             t("manage.refunds.done", self._loc()))
        if not done:
            self.refund_errors = {payment_id: self.field_errors.get("amount") or self.error_text}
            return
        notice = self.notice_text
        self.selected = self._run(lambda ctx: present.detail(ctx, parse_id(self.selected.get("id")))) or {}
        self._load_charges()
        self.notice_text = notice

    @rx.event
    def close_booking(self, _open: bool = False):
        self.selected = {}

    def _change(self, action, success_key: str) -> None:
        row = self._run(action, t(success_key, self._loc()))
        if row is not None:
            self.selected = row
            self._run(self._reload, self.notice_text)
            notice = self.notice_text
            self._load_charges()  # a cancellation refunds by policy: show it
            self.notice_text = notice

    @rx.event
    def confirm_selected(self):
        self._change(lambda ctx: present.confirm(ctx, parse_id(self.selected.get("id"))), "manage.bookings.confirmed")

    @rx.event
    def cancel_selected(self, form: dict):
        reason = form_text(form, "reason")
        self._change(lambda ctx: present.cancel(ctx, parse_id(self.selected.get("id")), reason),
                     "manage.bookings.cancelled")

    @rx.event
    def complete_selected(self):
        self._change(lambda ctx: present.complete(ctx, parse_id(self.selected.get("id"))), "manage.bookings.completed")

    @rx.event
    def no_show_selected(self):
        self._change(lambda ctx: present.no_show(ctx, parse_id(self.selected.get("id"))), "manage.bookings.no_show_done")

    @rx.event
    def find_reschedule_times(self, form: dict):
        self.resched_day = form_text(form, "day")
        try:
            day = date.fromisoformat(self.resched_day)
        except ValueError:
            self.error_text = t("dashboard.bad_date", self._loc())
            return
        slots = self._run(lambda ctx: present.free_times(ctx, parse_id(self.selected.get("service_id")), day,
                                                         int(self.selected.get("persons") or 1)))
        self.resched_slots = slots or []
        self.resched_searched = True

    @rx.event
    def reschedule_to(self, iso: str):
        start = present.parse_start(iso)
        if start is None:
            return
        self._change(lambda ctx: present.reschedule(ctx, parse_id(self.selected.get("id")), start),
                     "manage.bookings.rescheduled")
        self.resched_slots, self.resched_searched = [], False

    # --- phone booking -----------------------------------------------------------------------

    @rx.event
    def open_phone(self):
        self.phone_open = True
        self.phone_clients, self.phone_client, self.phone_new = [], {}, False
        self.phone_service = self.services[0]["id"] if self.services else ""
        self.phone_day = self.anchor
        self.phone_slots, self.phone_slot = [], {}
        self.phone_details, self.phone_errors, self.phone_error = {}, {}, ""

    @rx.event
    def close_phone(self, _open: bool = False):
        self.phone_open = False

    @rx.event
    def search_phone_clients(self, form: dict):
        search = form_text(form, "search")
        self.phone_clients = self._run(lambda ctx: find_clients(ctx, search)) or []

    @rx.event
    def choose_phone_client(self, client_id: str):
        self.phone_client = next((c for c in self.phone_clients if c["id"] == client_id), {})
        self.phone_new = False

    @rx.event
    def use_new_client(self):
        self.phone_client, self.phone_new = {}, True

    @rx.event
    def phone_find_times(self, form: dict):
        self.phone_service = form_text(form, "service")
        self.phone_day = form_text(form, "day")
        self.phone_slot = {}
        try:
            day = date.fromisoformat(self.phone_day)
        except ValueError:
            self.phone_error = t("dashboard.bad_date", self._loc())
            return
        self.phone_slots = self._run(lambda ctx: present.free_times(ctx, parse_id(self.phone_service), day)) or []
        self.phone_error = self.error_text

    @rx.event
    def phone_pick(self, iso: str):
        self.phone_slot = next((s for s in self.phone_slots if s["iso"] == iso), {})

    @rx.event
    def phone_submit(self, form: dict):
        self.phone_errors, self.phone_error = {}, ""
        start = present.parse_start(self.phone_slot.get("iso", ""))
        if start is None:
            self.phone_error = t("manage.bookings.pick_time_first", self._loc())
            return
        if not self.phone_client and not self.phone_new:
            self.phone_error = t("booking.client_required", self._loc())
            return
        self.phone_details = {name: form_text(form, name) for name in NEW_CLIENT_FIELDS}
        persons = parse_id(form_text(form, "persons")) or 1
        notes = form_text(form, "notes")
        client_id = parse_id(self.phone_client.get("id")) if self.phone_client else None
        self._clear_messages()
        try:
            row = present.phone_booking(self._manage_ctx(), service_id=parse_id(self.phone_service), start=start,
                                        persons=persons, notes=notes, client_user_id=client_id,
                                        new_client=self.phone_details if self.phone_new else None)
        except SlotTaken as exc:
            self.phone_error = exc.message
            self.phone_slot = {}
            return
        except DomainError as exc:
            self.phone_errors = {("phone" if k == "phone_number" else k): v for k, v in exc.fields.items()}
            self.phone_error = exc.message
            return
        self.phone_open = False
        self.selected = row
        self._load_charges()
        self.notice_text = t("manage.bookings.booked", self._loc())
        self._run(self._reload, self.notice_text)
