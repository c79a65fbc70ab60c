"""The booking wizard at `/<store_slug>/book`: service → person → day → time → persons → details → done
(the person step only when more than one offers the service: hub_app.state.booking_staff)."""

from __future__ import annotations

import calendar
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import reflex as rx

from hub_app.domain.accounts.models import AppUser, UserRole
from hub_app.domain.accounts.service import ClientDetails, open_session_token
from hub_app.domain.bookings.availability import days_with_free_slots, free_slots
from hub_app.domain.billing.service_subscription_views import subscription_offered
from hub_app.domain.bookings.pricing import price_for
from hub_app.domain.bookings.service import BookingRequest, book, get_booking
from hub_app.domain.errors import Conflict, DomainError, SlotTaken, ValidationFailed
from hub_app.domain.scheduling.service import get_service
from hub_app.domain.stores.service import get_store
from hub_app.domain.stores.service_labels import price_label
from hub_app.i18n import format_date, format_datetime, format_money, format_time, normalize_locale, t
from hub_app.security.attempts import BOOKING, LOGIN
from hub_app.settings import get_settings
from hub_app.state.booking_staff import StaffChoiceState
from hub_app.state.booking_views import describe_booking, month_cells
from hub_app.state.subscription_rows import open_service_checkout, price_per_interval

STEPS = ("service", "staff", "day", "time", "persons", "details", "done")
DETAIL_FIELDS = ("first_name", "last_name", "age", "email", "phone", "address")
# The domain names the stored phone column; the form calls the field "phone".
_FIELD_ALIASES = {"phone_number": "phone"}


class BookingState(StaffChoiceState):
    step: str = "service"
    service: dict[str, str] = {}
    month: str = ""              # "YYYY-MM" shown in the day picker
    day_cells: list[dict[str, str]] = []
    day_iso: str = ""
    slots: list[dict[str, str]] = []
    slot_iso: str = ""           # chosen start, UTC ISO 8601
    slot_remaining: int = 0
    persons: int = 1
    details: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    form_error: str = ""
    login_mode: bool = False
    login_error: str = ""
    next_free: list[str] = []    # starts offered after "this time was just taken"
    submitting: bool = False
    confirmation: dict[str, str] = {}
    _price_amount: str = "0"
    _idempotency_key: str = ""

    # --- display values, formatted in the reader's language and the store's timezone ------

    @rx.var
    def wizard_title(self) -> str:
        loc = normalize_locale(self.locale)
        if self.store_status == "found":
            return t("title.booking", loc, name=self.store.get("name", ""))
        return t("title.store_missing" if self.store_status == "missing" else "app.name", loc)

    @rx.var
    def month_label(self) -> str:
        if not self.month:
            return ""
        year, month = (int(p) for p in self.month.split("-"))
        return format_date(date(year, month, 1), locale=normalize_locale(self.locale), fmt="LLLL y")

    @rx.var
    def day_label(self) -> str:
        if not self.day_iso:
            return ""
        return format_date(date.fromisoformat(self.day_iso), locale=normalize_locale(self.locale))

    @rx.var
    def slot_label(self) -> str:
        if not self.slot_iso:
            return ""
        tz = self.store.get("timezone", "UTC")
        return format_time(datetime.fromisoformat(self.slot_iso), tz, normalize_locale(self.locale)) + f" ({tz})"

    @rx.var
    def price_text(self) -> str:
        return format_money(Decimal(self._price_amount), self.store.get("currency", "EUR"), normalize_locale(self.locale))

    @rx.var
    def service_price_label(self) -> str:
        if not self.service:
            return ""
        return price_label(self.service, self.store.get("currency", "EUR"), normalize_locale(self.locale))

    @rx.var
    def person_choices(self) -> list[str]:
        if not self.service:
            return []
        low = int(self.service["min_persons"])
        high = min(int(self.service["max_persons"]), max(self.slot_remaining, low))
        return [str(n) for n in range(low, high + 1)]

    @rx.var
    def next_free_choices(self) -> list[dict[str, str]]:
        tz = self.store.get("timezone", "UTC")
        loc = normalize_locale(self.locale)
        return [
            {"iso": iso, "label": format_datetime(datetime.fromisoformat(iso), tz, loc, "medium")}
            for iso in self.next_free
        ]

    @rx.var
    def wizard_is_open(self) -> bool:
        return self.step != "service"

    # --- helpers -------------------------------------------------------------------------

    def _store_today(self) -> date:
        return datetime.now(ZoneInfo(self.store.get("timezone", "UTC"))).date()

    def _reset_wizard(self) -> None:
        self.step = "service"
        self.service = {}
        self.people, self.staff_id = [], ""
        self.day_iso = self.slot_iso = ""
        self.slots = []
        self.next_free = []
        self.field_errors = {}
        self.form_error = self.login_error = ""
        self.confirmation = {}
        self.submitting = False
        # One key per wizard run: a double click or a resent event books once.
        self._idempotency_key = uuid.uuid4().hex

    def _load_month(self) -> None:
        year, month = (int(p) for p in self.month.split("-"))
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        with self._acting(self._store_id) as (db, _, ctx):
            free = days_with_free_slots(db, ctx, int(self.service["id"]), first, last,
                                        persons=int(self.service["min_persons"]), calendar_id=self._calendar_choice())
        self.day_cells = month_cells(year, month, free, self._store_today())

    def _update_price(self) -> None:
        with self._acting(self._store_id) as (db, _, ctx):
            service = get_service(db, ctx, int(self.service["id"]))
            self._price_amount = str(price_for(service, self.persons, self.store.get("currency")))

    # --- events ----------------------------------------------------------------------------

    @rx.event
    def start_wizard(self):
        self._reset_wizard()
        if self.store_status != "found":
            return
        wanted = self.router.url.query_parameters.get("service", "")
        if not any(s["id"] == wanted for s in self._service_facts):
            return
        start = self._start_param()
        if start is None:
            return BookingState.choose_service(wanted)
        # A time chosen on the store page: open its day, and the time itself while still free.
        day = start.astimezone(ZoneInfo(self.store.get("timezone", "UTC"))).date().isoformat()
        return [BookingState.choose_service(wanted), BookingState.pick_day(day),
                BookingState.pick_offered_start(start.isoformat())]

    def _start_param(self) -> datetime | None:
        try:
            start = datetime.fromisoformat(self.router.url.query_parameters.get("start", ""))
        except ValueError:
            return None
        return start if start.tzinfo is not None else None

    @rx.event
    def pick_offered_start(self, iso: str):
        """Choose `iso` when the day's free times still offer it (else the day's list stays open)."""
        wanted = datetime.fromisoformat(iso)
        for slot in self.slots:
            if datetime.fromisoformat(slot["iso"]) == wanted:
                return BookingState.pick_time(slot["iso"], slot["remaining"])

    @rx.event
    def choose_service(self, service_id: str):
        chosen = next((s for s in self._service_facts if s["id"] == str(service_id)), None)
        if chosen is None:
            return
        self.service = chosen
        self.persons = int(chosen["min_persons"])
        self._load_people(int(chosen["id"]))
        if self.staff_offered:
            self.day_iso = self.slot_iso = ""
            self.step = "staff"
            return
        self._open_days()

    @rx.event
    def choose_staff(self, calendar_id: str):
        """A person, or "" for anyone: the days and times shown are then theirs (anyone: everyone's)."""
        if self.step == "done" or not self.service or not self._take_staff(calendar_id):
            return
        self._open_days()

    def _open_days(self) -> None:
        self.day_iso = self.slot_iso = ""
        today = self._store_today()
        self.month = f"{today.year:04d}-{today.month:02d}"
        self._load_month()
        if not any(c["kind"] == "free" for c in self.day_cells):
            # Nothing left this month (late in the month, say): open the next one instead.
            self._shift_month(1)
        self.step = "day"

    def _shift_month(self, delta: int) -> None:
        year, month = (int(p) for p in self.month.split("-"))
        month += delta
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        today = self._store_today()
        if (year, month) < (today.year, today.month):
            return
        self.month = f"{year:04d}-{month:02d}"
        self._load_month()

    @rx.event
    def previous_month(self):
        self._shift_month(-1)

    @rx.event
    def next_month(self):
        self._shift_month(1)

    @rx.event
    def pick_day(self, iso: str):
        day = date.fromisoformat(iso)
        with self._acting(self._store_id) as (db, _, ctx):
            found = free_slots(db, ctx, int(self.service["id"]), day, day, persons=int(self.service["min_persons"]),
                               calendar_id=self._calendar_choice())
        tz, loc = self.store.get("timezone", "UTC"), self._loc()
        self.day_iso = iso
        self.slots = [
            {"iso": s.start.isoformat(), "label": format_time(s.start, tz, loc), "remaining": str(s.remaining)}
            for s in found
        ]
        self.step = "time"

    @rx.event
    def pick_time(self, iso: str, remaining: str):
        self.slot_iso = iso
        self.slot_remaining = int(remaining)
        self.persons = int(self.service["min_persons"])
        self._update_price()
        self.step = "persons" if len(self.person_choices) > 1 else "details"

    @rx.event
    def set_persons(self, value: str):
        if value in self.person_choices:
            self.persons = int(value)
            self._update_price()

    @rx.event
    def go_to(self, step: str):
        """Back to an earlier step (the wizard never skips forward past unfilled steps)."""
        if step in STEPS and STEPS.index(step) < STEPS.index(self.step) and self.step != "done":
            self.step = step
            self.form_error = ""

    @rx.event
    def continue_to_details(self):
        self.step = "details"

    @rx.event
    def toggle_login(self):
        self.login_mode = not self.login_mode
        self.login_error = ""

    @rx.event
    async def submit_details(self, form_data: dict):
        """The details form serves both ways in (one set of email and password inputs, so what the
        client typed survives a switch): the mode the server holds decides, and a switch clicked
        before this submit has always been applied first, since one client's events run in order."""
        if self.login_mode:
            await self._sign_in_in_flow(form_data)
            return
        if self.submitting or self.step != "details":
            return
        self.details = {name: str(form_data.get(name) or "") for name in DETAIL_FIELDS}
        # Counted per address and per account (the registering email) like the API.
        refused = await self._paced_attempt(BOOKING, self.details["email"])
        if refused:
            self.form_error = refused
            return
        for _ in self._register(form_data):
            yield

    async def _sign_in_in_flow(self, form_data: dict) -> None:
        self.details = {**self.details, "email": str(form_data.get("email") or "")}
        self.login_error = (await self._paced_attempt(LOGIN, self.details["email"])
                            or self._sign_in(self.details["email"], str(form_data.get("password") or "")) or "")
        if not self.login_error:
            self.login_mode = False

    @rx.event
    def pick_next_free(self, iso: str):
        self.slot_iso = iso
        self.day_iso = datetime.fromisoformat(iso).astimezone(ZoneInfo(self.store.get("timezone", "UTC"))).date().isoformat()
        self.next_free = []
        self.form_error = ""

    def _register(self, form_data: dict):
        self.details = {name: str(form_data.get(name) or "") for name in DETAIL_FIELDS}
        new_client = ClientDetails(**self.details, password=str(form_data.get("password") or ""), locale=self._loc())
        yield from self._submit(new_client)

    @rx.event
    async def submit_as_signed_in(self):
        if self.submitting or self.step != "details":
            return
        # Counted per address and per account (the session) like the API.
        refused = await self._paced_attempt(BOOKING, f"token:{self.auth_token}" if self.auth_token else None)
        if refused:
            self.form_error = refused
            return
        for _ in self._submit(None):
            yield

    def _submit(self, new_client: ClientDetails | None):
        """Book (the attempt was counted by the event that called this)."""
        if self.submitting or self.step != "details":
            return
        self.submitting = True
        self.field_errors, self.form_error, self.next_free = {}, "", []
        yield
        try:
            self._book(new_client)
        finally:
            self.submitting = False

    def _book(self, new_client: ClientDetails | None) -> None:
        request = BookingRequest(
            service_id=int(self.service["id"]), start=datetime.fromisoformat(self.slot_iso),
            persons=self.persons, idempotency_key=self._idempotency_key, calendar_id=self._calendar_choice(),
        )
        token, registered = None, None
        try:
            # One transaction for the session check and the booking, like the REST API's route.
            with self._acting(self._store_id) as (db, user, ctx):
                if new_client is None and (user is None or user.role != UserRole.CLIENT):
                    self.form_error = t("booking.clients_only" if user else "auth.not_signed_in", self._loc())
                    return
                booking = book(db, ctx, request, new_client=new_client if user is None else None)
                offered = subscription_offered(db, booking.service_id)
                if user is None:
                    registered = db.get(AppUser, booking.client_user_id)
                    token = open_session_token(db, registered, self.router.session.client_ip or None)
        except SlotTaken as exc:
            self.form_error = t("booking.slot_taken", self._loc())
            self.next_free = [str(iso) for iso in exc.details.get("next_free", [])][:6]
            return
        except (ValidationFailed, Conflict) as exc:
            self.field_errors = {_FIELD_ALIASES.get(k, k): v for k, v in exc.fields.items()}
            self.form_error = exc.message if not exc.fields else t("booking.fix_fields", self._loc())
            return
        except DomainError as exc:
            self.form_error = exc.message
            return
        if token:   # registered while booking: signed in from now on
            self.auth_token = token
            self.user_name = registered.full_name or registered.email
            self.user_role = registered.role.value
        self.confirmation = self._describe(booking)
        if offered:
            self.confirmation["subscribe"] = price_per_interval(
                self.service["amount"], booking.currency, self.service["interval"], self._loc())
        self.step = "done"
        self._idempotency_key = uuid.uuid4().hex

    def _describe(self, booking) -> dict[str, str]:
        staff = next((p["name"] for p in self.people if p["id"] == str(booking.calendar_id)), "")
        return describe_booking(booking, self.service.get("name", ""), staff, self.store.get("timezone", "UTC"),
                                self._loc())

    @rx.event
    def download_ics(self):
        # Imported on use: only this download needs the icalendar package.
        from hub_app.domain.bookings.ics import booking_ics

        if not self.confirmation:
            return
        with self._acting(self._store_id) as (db, user, ctx):
            if user is None:
                return
            booking = get_booking(db, ctx, int(self.confirmation["id"]))
            data = booking_ics(booking, get_store(db, booking.store_id), get_service(db, ctx, booking.service_id))
        return rx.download(data=data, filename=f"booking-{booking.id}.ics", mime_type="text/calendar")

    @rx.event
    def pay_now(self):
        user = self._current_user()
        if user is None or not self.confirmation:
            return
        result = self._checkout_redirect(user, self._store_id, int(self.confirmation["id"]))
        if isinstance(result, str):
            self.form_error = result
            return
        return result

    @rx.event
    def subscribe(self):
        """A recurring service: the subscription (Stripe Checkout on the store's account) pays for it."""
        user = self._current_user()
        if user is None or not self.confirmation.get("subscribe"):
            return
        try:
            url = open_service_checkout(self._context(user, self._store_id), int(self.service["id"]),
                                        int(self.confirmation["id"]), f"{get_settings().public_base_url.rstrip('/')}/account")
        except DomainError as exc:
            self.form_error = exc.message
            return
        return rx.redirect(url)   # same tab, as Stripe Checkout expects (see _checkout_redirect)

    @rx.event
    def book_again(self):
        self._reset_wizard()
