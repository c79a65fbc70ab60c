"""Fixtures for notification tests: the fake EasySMS, a capturing SMTP server, bookings, brokers."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.scheduling.models import Calendar, PriceType, Service
from hub_app.domain.stores.models import Store
from hub_app.settings import reset_settings_cache
from tests.notifications.fake_easysms import FakeEasySms

CALLBACK_TOKEN = "dlr-token-3f9c2a7e41b8d6"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_easysms() -> Iterator[FakeEasySms]:
    fake = FakeEasySms().start()
    yield fake
    fake.stop()


@dataclass
class CapturingHandler:
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, CapturingHandler]]:
    handler = CapturingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def provider_env(monkeypatch, fake_easysms, smtp_server):
    """App settings pointing at the fake EasySMS and the local SMTP server."""
    controller, _ = smtp_server
    values = {
        "EASYSMS_API_KEY": fake_easysms.api_key, "EASYSMS_SENDER": "HubSalon",
        "EASYSMS_API_BASE": fake_easysms.base_url, "EASYSMS_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_STARTTLS": "false",
        "SMTP_FROM": "Salon Hub <bookings@hub.example>", "PUBLIC_BASE_URL": "https://hub.example",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("OUTBOUND_HTTP_PROXY", raising=False)
    reset_settings_cache()
    yield values
    reset_settings_cache()


@pytest.fixture
def no_provider_env(monkeypatch):
    for key in ("EASYSMS_API_KEY", "EASYSMS_SENDER", "SMTP_HOST", "EASYSMS_CALLBACK_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    yield
    reset_settings_cache()


def make_service(db: Session, store: Store, name: str = "Haircut") -> tuple[Calendar, Service]:
    calendar = Calendar(store_id=store.id, name="Chair 1")
    service = Service(store_id=store.id, name=name, duration_minutes=30, price_type=PriceType.FIXED,
                      base_price_amount=Decimal("20.00"))
    db.add_all([calendar, service])
    db.flush()
    return calendar, service


def make_booking(db: Session, store: Store, client, start: datetime, *, service: Service | None = None,
                 calendar: Calendar | None = None, status: BookingStatus = BookingStatus.CONFIRMED,
                 created_at: datetime | None = None, **kw) -> Booking:
    if service is None or calendar is None:
        calendar, service = make_service(db, store)
    end = start + timedelta(minutes=service.duration_minutes)
    zone = ZoneInfo(store.timezone)
    booking = Booking(
        store_id=store.id, client_user_id=client.id, service_id=service.id, calendar_id=calendar.id,
        start_at=start, end_at=end, booking_date=start.astimezone(zone).date(),
        start_time=start.astimezone(zone).time(), end_time=end.astimezone(zone).time(), status=status,
        total_amount=Decimal("20.00"), currency="EUR", **kw,
    )
    if created_at is not None:
        booking.created_at = created_at
    db.add(booking)
    db.flush()
    return booking


def in_days(days: float) -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)
