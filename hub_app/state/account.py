"""`/account`: the client's profile and every booking they made, in any store."""

from __future__ import annotations

from datetime import date, datetime

import reflex as rx

from hub_app.db import unit_of_work
from hub_app.domain.accounts.email_change import edit_profile
from hub_app.domain.accounts.service import change_password
from hub_app.domain.bookings.availability import free_slots
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.billing.refunds import cancel_with_refund
from hub_app.domain.billing.service_subscription_views import awaits_subscription
from hub_app.domain.bookings.service import get_booking, my_bookings, reschedule_booking
from hub_app.domain.errors import DomainError, PermissionDenied, ValidationFailed
from hub_app.domain.scheduling.service import get_service
from hub_app.domain.stores.service import get_store
from hub_app.domain.types import utcnow
from hub_app.i18n import format_datetime, format_money, format_time, t
from hub_app.settings import get_settings
from hub_app.state.session import SessionState
from hub_app.state.subscription_rows import open_service_checkout, price_per_interval

PROFILE_FORM_FIELDS = ("first_name", "last_name", "age", "email", "phone", "address")
# A client may still change these; finished or cancelled bookings are history.
_CHANGEABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class AccountState(SessionState):
    profile: dict[str, str] = {}
    profile_errors: dict[str, str] = {}
    profile_message: str = ""
    password_errors: dict[str, str] = {}
    password_message: str = ""
    upcoming: list[dict[str, str]] = []
    past: list[dict[str, str]] = []
    booking_message: str = ""
    booking_error: str = ""
    confirm_cancel_id: str = ""   # the booking whose "really cancel?" question is shown
    # Reschedule panel: which booking, which day, and the free times found for it.
    reschedule_id: str = ""
    reschedule_day: str = ""
    reschedule_slots: list[dict[str, str]] = []
    reschedule_searched: bool = False

    @rx.event
    def load_account(self):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.profile = {
            "first_name": user.first_name, "last_name": user.last_name,
            "age": "" if user.age is None else str(user.age), "email": user.email,
            "phone": user.phone_number or "", "address": user.address or "",
        }
        self.profile_errors, self.password_errors = {}, {}
        self.profile_message = self.password_message = ""
        self._close_reschedule()
        self._load_bookings()
        self.booking_message = self.booking_error = ""
        payment = self.router.url.query_parameters.get("payment", "")
        if payment in ("success", "cancelled"):
            self.booking_message = t(f"account.payment_{payment}", self._loc())

    def _load_bookings(self) -> None:
        user = self._current_user()
        if user is None:
            return
        ctx = self._context(user)
        loc = self._loc()
        now = utcnow()
        upcoming, past = [], []
        try:
            with unit_of_work(ctx) as db:
                bookings = my_bookings(db, ctx)
                stores = {b.store_id: get_store(db, b.store_id) for b in bookings}
        except PermissionDenied:  # staff edit their profile here; they have no bookings of their own
            bookings, stores = [], {}
        for booking in bookings:
            store = stores[booking.store_id]
            changeable = booking.end_at > now and booking.status in _CHANGEABLE
            store_ctx = self._context(user, store.id)
            with unit_of_work(store_ctx) as db:
                service = get_service(db, store_ctx, booking.service_id)
                service_name = service.name
                subscribe = (price_per_interval(service.base_price_amount, store.currency,
                                                service.recurring_interval.value, loc)
                             if changeable and service.is_recurring and awaits_subscription(db, store_ctx, service.id)
                             else "")
            row = {
                "id": str(booking.id),
                "store_id": str(store.id),
                "store": store.name,
                "store_slug": store.slug,
                "service": service_name,
                "when": format_datetime(booking.start_at, store.timezone, loc, "full"),
                "day": booking.booking_date.isoformat(),
                "persons": str(booking.number_of_persons),
                "total": format_money(booking.total_amount, booking.currency, loc),
                "status": booking.status.value,
                "status_label": t(f"booking.status.{booking.status.value}", loc),
                "service_id": str(service.id),
                "subscribe": subscribe,   # "€50.00 / month" when a subscription is still to start
            }
            if changeable:
                upcoming.append((booking.start_at, row))
            else:
                past.append((booking.start_at, row))
        self.upcoming = [row for _, row in sorted(upcoming, key=lambda pair: pair[0])]
        self.past = [row for _, row in sorted(past, key=lambda pair: pair[0], reverse=True)]

    def _store_id_of(self, booking_id: str) -> int | None:
        """The store of one of the client's listed bookings (actions then run in that store)."""
        row = next((r for r in self.upcoming + self.past if r["id"] == str(booking_id)), None)
        return int(row["store_id"]) if row else None

    @rx.event
    def save_profile(self, form_data: dict):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        changes = {name: str(form_data.get(name) or "") for name in PROFILE_FORM_FIELDS}
        self.profile = dict(changes)
        self.profile_errors, self.profile_message = {}, ""
        ctx = self._context(user)
        try:
            with unit_of_work(ctx) as db:
                edit = edit_profile(db, ctx, changes, current_password=str(form_data.get("current_password") or ""))
                current_email = edit.user.email
        except ValidationFailed as exc:
            self.profile_errors = {("phone" if k == "phone_number" else k): v for k, v in exc.fields.items()}
            return
        if edit.pending_email:
            # The address shown stays the one in use until the link sent to the new one is opened.
            self.profile = {**self.profile, "email": current_email}
            self.profile_message = t("account.email_pending", self._loc(), email=edit.pending_email)
        else:
            self.profile_message = t("account.profile_saved", self._loc())
        self._current_user()

    @rx.event
    def save_password(self, form_data: dict):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.password_errors, self.password_message = {}, ""
        ctx = self._context(user)
        try:
            with unit_of_work(ctx) as db:
                change_password(db, ctx, str(form_data.get("current_password") or ""),
                                str(form_data.get("new_password") or ""))
        except ValidationFailed as exc:
            self.password_errors = dict(exc.fields)
            return
        # Every session was closed by the change: sign in again with the new password.
        self.auth_token = ""
        self._forget_user()
        return rx.redirect("/login?next=/account")

    @rx.event
    def ask_cancel(self, booking_id: str):
        self.confirm_cancel_id = booking_id
        self.booking_message = self.booking_error = ""

    @rx.event
    def cancel(self, booking_id: str):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.booking_message = self.booking_error = self.confirm_cancel_id = ""
        ctx = self._context(user, self._store_id_of(booking_id))
        try:
            with unit_of_work(ctx) as db:
                cancel_with_refund(db, ctx, int(booking_id))
        except DomainError as exc:
            self.booking_error = exc.message
            return
        self.booking_message = t("account.booking_cancelled", self._loc())
        self._load_bookings()

    # --- reschedule ------------------------------------------------------------------------

    def _close_reschedule(self) -> None:
        self.reschedule_id = self.reschedule_day = ""
        self.reschedule_slots = []
        self.reschedule_searched = False

    @rx.event
    def open_reschedule(self, booking_id: str):
        self._close_reschedule()
        self.booking_message = self.booking_error = ""
        self.reschedule_id = booking_id
        row = next((r for r in self.upcoming if r["id"] == str(booking_id)), None)
        self.reschedule_day = row["day"] if row else ""

    @rx.event
    def close_reschedule(self):
        self._close_reschedule()

    @rx.event
    def find_times(self, form_data: dict):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        self.booking_error = ""
        try:
            day = date.fromisoformat(str(form_data.get("day") or ""))
        except ValueError:
            self.booking_error = t("account.pick_a_day", self._loc())
            return
        self.reschedule_day = day.isoformat()
        store_ctx = self._context(user, self._store_id_of(self.reschedule_id))
        try:
            with unit_of_work(store_ctx) as db:
                booking = get_booking(db, store_ctx, int(self.reschedule_id))
                store = get_store(db, booking.store_id)
                found = free_slots(db, store_ctx, booking.service_id, day, day, persons=booking.number_of_persons)
        except DomainError as exc:
            self.booking_error = exc.message
            return
        self.reschedule_slots = [
            {"iso": s.start.isoformat(), "label": format_time(s.start, store.timezone, self._loc())}
            for s in found if s.start != booking.start_at
        ]
        self.reschedule_searched = True

    @rx.event
    def reschedule_to(self, iso: str):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        store_ctx = self._context(user, self._store_id_of(self.reschedule_id))
        try:
            with unit_of_work(store_ctx) as db:
                moved = reschedule_booking(db, store_ctx, int(self.reschedule_id), datetime.fromisoformat(iso))
                store = get_store(db, moved.store_id)
        except DomainError as exc:
            self.booking_error = exc.message
            return
        self.booking_message = t("account.booking_rescheduled", self._loc(),
                                 when=format_datetime(moved.start_at, store.timezone, self._loc(), "full"))
        self._close_reschedule()
        self._load_bookings()

    @rx.event
    def pay_now(self, booking_id: str):
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        store_id = self._store_id_of(booking_id)
        result = self._checkout_redirect(user, store_id, int(booking_id)) if store_id else None
        if isinstance(result, str):
            self.booking_error = result
            return
        return result

    @rx.event
    def subscribe(self, booking_id: str):
        """Start the subscription that pays for a booked recurring service (Stripe Checkout on the
        store's account, in this tab; back here afterwards)."""
        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        row = next((r for r in self.upcoming if r["id"] == str(booking_id) and r.get("subscribe")), None)
        if row is None:
            return
        try:
            url = open_service_checkout(self._context(user, int(row["store_id"])), int(row["service_id"]),
                                        int(row["id"]), f"{get_settings().public_base_url.rstrip('/')}/account")
        except DomainError as exc:
            self.booking_error = exc.message
            return
        return rx.redirect(url)

    @rx.event
    def download_ics(self, booking_id: str):
        # Imported on use: only this download needs the icalendar package.
        from hub_app.domain.bookings.ics import booking_ics

        user = self._current_user()
        if user is None:
            return rx.redirect("/login?next=/account")
        store_ctx = self._context(user, self._store_id_of(booking_id))
        try:
            with unit_of_work(store_ctx) as db:
                booking = get_booking(db, store_ctx, int(booking_id))
                data = booking_ics(booking, get_store(db, booking.store_id),
                                   get_service(db, store_ctx, booking.service_id))
        except DomainError as exc:
            self.booking_error = exc.message
            return
        return rx.download(data=data, filename=f"booking-{booking.id}.ics", mime_type="text/calendar")
