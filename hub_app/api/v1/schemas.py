"""Request and response bodies of the v1 API.

Every input is bounded (string lengths, integer ranges, years), so a malformed or hostile request is
refused here with a 422 instead of reaching the database as a value it cannot store. Instants must
carry a UTC offset; money leaves the API as a decimal string ("25.00").
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.assignment import AnyoneRule
from hub_app.domain.bookings.models import BookingStatus, PaymentStatus
from hub_app.domain.scheduling.models import AdvancePaymentType, PriceType, RecurringInterval

# PostgreSQL text cannot hold NUL; the pattern also tells API clients (and fuzzers) so.
NO_NUL = r"^[^\x00]*$"
MIN_YEAR, MAX_YEAR = 2000, 2999
MAX_INT = 2**31 - 1  # INTEGER columns
# A row id in a URL: out-of-range or non-numeric ids are a 422, never a database error.
PathId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _encodable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode") from None
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - reads as a type in annotations
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL),
        AfterValidator(_encodable),
    ]


def _sane_instant(value: datetime) -> datetime:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"the year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value.astimezone(timezone.utc)


# An ISO 8601 instant WITH an offset ("2030-01-07T09:00:00+02:00" or "...Z"); naive input is a 422.
Instant = Annotated[AwareDatetime, AfterValidator(_sane_instant)]

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
ANYONE_RULE_TEXT = ("Who takes a booking made for anyone: `least_busy` (the person with the fewest bookings "
                    "that day), `round_robin` (in turn, per service) or `priority` (the first free in the "
                    "calendars' order).")
Persons = Annotated[int, Field(ge=1, le=1000)]
Minutes = Annotated[int, Field(ge=0, le=1440)]
MoneyIn = Annotated[Decimal, Field(ge=0, lt=Decimal("100000000"), max_digits=10, decimal_places=2,
                                   allow_inf_nan=False)]
MoneyOut = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["25.00"])]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])]
Locale = Literal["en", "el"]
Slug = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,78}[A-Za-z0-9]$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$", examples=["#3366ff"])]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ---------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    code: str = Field(examples=["validation_error"])
    message: str
    fields: dict[str, str] = Field(description="Field name (dotted path) -> what is wrong with it.")
    next_free: list[datetime] | None = Field(None, description="slot_taken only: the next free starts.")
    retry_after: int | None = Field(None, description="rate_limited only: seconds to wait.")


class ErrorResponse(BaseModel):
    error: ErrorBody


# --- auth and profile -----------------------------------------------------------------------


class TokenIn(Input):
    email: Text(254)
    password: Text(1024)
    device_token: Text(512) | None = Field(
        None, description="The `device_token` of an earlier sign-in of this account from this app: "
                          "repeated failures elsewhere never slow it down.")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime = Field(description="When the token ends if unused; each use extends it, up to "
                                             "SESSION_MAX_DAYS after the sign-in.")
    device_token: str = Field(description="Keep it and send it with later sign-ins of this account.")


class ProfileOut(BaseModel):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str | None
    address: str | None
    age: int | None
    locale: str
    role: UserRole
    store_id: int | None
    pending_email: str | None = Field(None, description="A new email waiting for the confirmation link "
                                                        "sent to it; `email` changes once it is followed.")


class ProfilePatch(Input):
    """Only the fields sent are changed; none of them may be null."""

    first_name: Text(100, 1) = None
    last_name: Text(100, 1) = None
    email: Text(254, 1) = None
    phone: Text(40, 1) = None
    address: Text(300, 1) = None
    age: Annotated[int, Field(ge=0, le=150)] = None
    locale: Locale = None
    current_password: Text(1024) = Field(None, description="Required to change `email`.")


class EmailConfirmIn(Input):
    token: Text(1024)


class EmailConfirmedOut(BaseModel):
    email: str


class PasswordChangeIn(Input):
    current_password: Text(1024)
    new_password: Text(1024)


# --- stores ---------------------------------------------------------------------------------


class StoreOut(BaseModel):
    id: int
    slug: str = Field(description="The store's current slug (also when it was asked for by an old one).")
    redirected_from: str | None = Field(None, description="The old slug the request used, if any.")
    name: str
    description: str | None
    address: str | None
    city: str | None
    country: str | None
    phone_number: str | None
    email: str | None
    timezone: str
    locale: str
    currency: str
    cancellation_cutoff_hours: int
    min_notice_minutes: int
    booking_horizon_days: int
    payment_hold_minutes: int
    reminder_hours_before: int
    payments_enabled: bool
    is_active: bool
    embed_domains: list[str] = Field(description="Sites that may embed the booking flow (exact origins).")
    embed_accent_color: str | None = Field(description="Accent of the embedded button and wizard, #rrggbb.")
    anyone_rule: AnyoneRule = Field(description=ANYONE_RULE_TEXT)


class ManagerIn(Input):
    email: Text(254, 1)
    password: Text(1024, 1)
    first_name: Text(100) = ""
    last_name: Text(100) = ""


class StoreCreateIn(Input):
    name: Text(200, 1)
    slug: Slug
    timezone: Text(64) = "Europe/Athens"
    currency: Currency = "EUR"
    locale: Locale = "en"
    address: Text(300) | None = None
    city: Text(120) | None = None
    country: Text(60) | None = None
    phone_number: Text(40) | None = None
    email: Text(254) | None = None
    description: Text(10000) | None = None
    manager: ManagerIn


class ManagerOut(BaseModel):
    id: int
    email: str


class StoreCreatedOut(BaseModel):
    store: StoreOut
    manager: ManagerOut


Policy = Annotated[int, Field(ge=0, le=100000)]


class StorePatch(Input):
    """Only the fields sent are changed. `stripe_enabled` and `is_active` need an admin."""

    name: Text(200, 1) = None
    slug: Slug = None
    timezone: Text(64) = None
    currency: Currency = None
    locale: Locale = None
    address: Text(300) | None = None
    city: Text(120) | None = None
    country: Text(60) | None = None
    phone_number: Text(40) | None = None
    email: Text(254) | None = None
    description: Text(10000) | None = None
    cancellation_cutoff_hours: Policy = None
    min_notice_minutes: Policy = None
    booking_horizon_days: Policy = None
    payment_hold_minutes: Policy = None
    reminder_hours_before: Policy = None
    stripe_enabled: bool = None
    is_active: bool = None
    embed_domains: Annotated[list[Text(300)], Field(max_length=50)] | None = None
    embed_accent_color: Text(20) | None = None
    anyone_rule: AnyoneRule = Field(None, description=ANYONE_RULE_TEXT)


# --- calendars ------------------------------------------------------------------------------


class CalendarIn(Input):
    name: Text(200, 1)
    color: Color | None = None


class CalendarOut(BaseModel):
    id: int
    name: str
    color: str | None
    is_active: bool
    priority: int = Field(description="Place in the store's order (lower first): the `priority` rule tries "
                                      "people in this order, and clients see them listed in it.")
    photo_url: str | None = Field(description="The person's photo (a square thumbnail), if any.")


class CalendarOrderIn(Input):
    calendar_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)] = Field(
        description="Every calendar of the store exactly once, first to last.")


class PersonOut(BaseModel):
    """A person (calendar) a client can choose for a service."""

    id: int = Field(description="The calendar id to send as `calendar_id` (availability, booking).")
    name: str
    initials: str = Field(description="For an avatar when there is no photo.")
    color: str | None
    photo_url: str | None


class OpeningHours(Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: ClockTime
    end: ClockTime


class BlockIn(Input):
    start: Instant
    end: Instant
    reason: Text(200) | None = None


class BlockOut(BaseModel):
    id: int
    calendar_id: int | None
    start: datetime
    end: datetime
    reason: str | None


# --- services -------------------------------------------------------------------------------


class ServiceIn(Input):
    name: Text(200, 1)
    description: Text(10000) | None = None
    duration_minutes: Annotated[int, Field(ge=1, le=1440)]
    min_persons: Persons = 1
    max_persons: Persons = 1
    capacity_persons: Annotated[int, Field(ge=1, le=100000)] | None = None
    price_type: PriceType
    base_price_amount: MoneyIn
    calendar_ids: Annotated[list[Id], Field(max_length=100)] = []
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    slot_step_minutes: Annotated[int, Field(ge=1, le=1440)] | None = None
    available_from: date | None = None
    available_until: date | None = None
    min_notice_minutes: Annotated[int, Field(ge=0, le=100000)] | None = None
    booking_horizon_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    payment_enabled: bool = False
    advance_payment_type: AdvancePaymentType | None = None
    advance_payment_amount: MoneyIn | None = None
    is_recurring: bool = False
    recurring_interval: RecurringInterval | None = None


class ServiceOut(BaseModel):
    id: int
    name: str
    description: str | None
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    slot_step_minutes: int | None
    min_persons: int
    max_persons: int
    capacity_persons: int
    price_type: PriceType
    base_price_amount: MoneyOut
    currency: str
    payment_enabled: bool
    advance_payment_type: AdvancePaymentType | None
    advance_payment_amount: MoneyOut | None
    is_recurring: bool
    recurring_interval: RecurringInterval | None
    available_from: date | None
    available_until: date | None
    calendar_ids: list[int]


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    remaining: int = Field(description="Persons still bookable at this start (of the asked person, or of all).")
    calendar_ids: list[int] = Field(description="The people (calendars) free at this start.")


# --- bookings -------------------------------------------------------------------------------


class ClientIn(Input):
    """A new client registering inside the booking (no bearer token)."""

    first_name: Text(100, 1)
    last_name: Text(100, 1)
    age: Annotated[int, Field(ge=0, le=150)]
    email: Text(254, 1)
    phone: Text(40, 1)
    address: Text(300, 1)
    password: Text(1024, 1)
    locale: Locale = "en"


class BookingIn(Input):
    service_id: Id
    start: Instant
    persons: Persons = 1
    notes: Text(2000) | None = None
    calendar_id: Id | None = Field(None, description=(
        "The person (calendar) the client chose, from `GET /stores/{slug}/services/{service_id}/staff`. "
        "Omit it for anyone: the store's `anyone_rule` picks among the people free at that time. "
        "A chosen person who is taken answers 409 `slot_taken` with that person's next free starts."))
    client: ClientIn | None = Field(None, description="Required without a bearer token; refused with one.")
    client_user_id: Id | None = Field(None, description="Managers and admins booking for a client.")


class BookingOut(BaseModel):
    id: int
    status: BookingStatus
    start: datetime
    end: datetime
    persons: int
    total_amount: MoneyOut
    advance_payment_amount: MoneyOut | None
    amount_paid: MoneyOut
    currency: str
    payment_status: PaymentStatus
    hold_expires_at: datetime | None
    service_id: int
    calendar_id: int
    staff_requested: bool = Field(description="The client chose this person (not anyone).")
    client_user_id: int
    store_slug: str
    notes: str | None
    rescheduled_from_id: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime


class CancelIn(Input):
    reason: Text(500) | None = None


class RescheduleIn(Input):
    start: Instant


class ClientOut(BaseModel):
    user_id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    address: str | None
    age: int | None
    bookings_count: int
    last_booking_start: datetime | None
