"""Property tests: whatever the hours, bookings, blocks and busy times, every offered slot is free
(buffers included), inside the opening hours, at a real local time, and can actually be booked."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from sqlalchemy.exc import IntegrityError
from hypothesis import strategies as st

from hub_app.domain.accounts.models import UserRole
from hub_app.domain.bookings.availability import OCCUPYING_STATUSES, free_slots
from hub_app.domain.bookings.models import BookingStatus
from hub_app.domain.bookings.placement import refused_as_overlap
from hub_app.domain.bookings.service import BookingRequest, book
from hub_app.domain.scheduling.models import BlockedPeriod, ExternalBusyTime
from hub_app.domain.scheduling.service import ServiceInput, create_service
from hub_app.domain.tenancy import TenantContext
from tests.bookings.helpers import UTC, act, build_shop, insert_booking
from tests.bookings.test_dst import FALL, SPRING
from tests.factories import make_user

ZONES = ["Europe/Athens", "America/New_York"]


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def scenarios(draw):
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from([SPRING[zone], FALL[zone], SPRING[zone] + timedelta(days=20)]))
    hours, cursor = [], draw(st.integers(0, 40)) * 15
    for _ in range(draw(st.integers(1, 2))):
        length = draw(st.integers(4, 24)) * 15
        if cursor + length > 23 * 60 + 45:
            break
        hours.append((hhmm(cursor), hhmm(cursor + length)))
        cursor += length + draw(st.integers(1, 12)) * 15
    capacity = draw(st.sampled_from([1, 1, 3]))
    service = dict(duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
                   slot_step_minutes=draw(st.sampled_from([None, 15, 30])),
                   buffer_before_minutes=draw(st.sampled_from([0, 10, 15])),
                   buffer_after_minutes=draw(st.sampled_from([0, 5, 20])),
                   capacity_persons=capacity, max_persons=capacity)
    span = st.tuples(st.integers(0, 24 * 12) .map(lambda n: n * 5), st.integers(1, 24).map(lambda n: n * 5))
    bookings = draw(st.lists(st.tuples(st.integers(0, 1), span, st.booleans(), st.integers(1, capacity),
                                       st.sampled_from([*OCCUPYING_STATUSES, BookingStatus.CANCELLED])), max_size=6))
    blocks = draw(st.lists(st.tuples(st.sampled_from([None, 0, 1]), span), max_size=2))
    busy = draw(st.lists(st.tuples(st.integers(0, 1), span, st.booleans()), max_size=2))
    persons = draw(st.integers(1, capacity))
    return dict(zone=zone, day=day, hours=hours, service=service, calendars=draw(st.integers(1, 2)),
                bookings=bookings, blocks=blocks, busy=busy, persons=persons,
                other_buffers=draw(st.sampled_from([(0, 0), (10, 30), (30, 0)])), picks=draw(st.integers(0, 10 ** 6)))


def arrange(db, sc):
    shop = build_shop(db, tz=sc["zone"], hours=sc["hours"], calendars=sc["calendars"], **sc["service"])
    act(db, shop.manager_ctx)
    other = create_service(db, shop.manager_ctx, ServiceInput(
        name="Other", duration_minutes=30, price_type="fixed", base_price_amount="5",
        buffer_before_minutes=sc["other_buffers"][0], buffer_after_minutes=sc["other_buffers"][1],
        calendar_ids=[c.id for c in shop.calendars]))
    midnight = shop.local(sc["day"], "00:00")
    cal = lambda i: shop.calendars[i % len(shop.calendars)]  # noqa: E731
    rows = []
    for index, (offset, minutes), other_service, persons, status in sc["bookings"]:
        same = not other_service
        # The database refuses a live booking on a taken time (booking_no_overlap): such rows
        # cannot exist, so a drawn one that clashes with those before it is left out.
        attempt = db.begin_nested()
        try:
            rows.append(insert_booking(db, shop, midnight + timedelta(minutes=offset),
                                       minutes=shop.service.duration_minutes if same else minutes, calendar=cal(index),
                                       service=shop.service if same else other, persons=persons if same else 1,
                                       status=status))
            attempt.commit()
        except IntegrityError as exc:
            attempt.rollback()
            if not refused_as_overlap(exc):
                raise
    act(db, TenantContext.system())
    for index, (offset, minutes) in sc["blocks"]:
        db.add(BlockedPeriod(store_id=shop.store.id, calendar_id=None if index is None else cal(index).id,
                             start_at=midnight + timedelta(minutes=offset),
                             end_at=midnight + timedelta(minutes=offset + minutes)))
    for n, (index, (offset, minutes), active) in enumerate(sc["busy"]):
        db.add(ExternalBusyTime(store_id=shop.store.id, calendar_id=cal(index).id, is_active=active,
                                external_uri=f"https://api.calendly.com/scheduled_events/{shop.store.id}-{n}",
                                start_at=midnight + timedelta(minutes=offset),
                                end_at=midnight + timedelta(minutes=offset + minutes)))
    db.flush()
    return shop, other, rows


def check_slot(db, shop, sc, slot, rows):
    service = shop.service
    before, after = timedelta(minutes=service.buffer_before_minutes), timedelta(minutes=service.buffer_after_minutes)
    local = slot.start.astimezone(shop.tz)
    assert local.replace(tzinfo=None).replace(tzinfo=shop.tz, fold=local.fold).astimezone(UTC) == slot.start
    assert slot.end - slot.start == timedelta(minutes=service.duration_minutes)
    assert any(shop.local(sc["day"], o) <= slot.start and slot.end <= shop.local(sc["day"], c) for o, c in sc["hours"])
    act(db, TenantContext.system())
    blocks = db.query(BlockedPeriod).filter(BlockedPeriod.store_id == shop.store.id).all()
    busy = db.query(ExternalBusyTime).filter(ExternalBusyTime.store_id == shop.store.id,
                                             ExternalBusyTime.is_active.is_(True)).all()
    padded = (slot.start - before, slot.end + after)
    for cal_id in slot.calendar_ids:
        used = 0
        for b in rows:
            if b.calendar_id != cal_id or b.status not in OCCUPYING_STATUSES:
                continue
            if b.service_id == service.id and b.start_at == slot.start and b.end_at == slot.end:
                used += b.number_of_persons
                continue
            b_before = timedelta(minutes=0 if b.service_id == service.id else sc["other_buffers"][0])
            b_after = timedelta(minutes=0 if b.service_id == service.id else sc["other_buffers"][1])
            if b.service_id == service.id:
                b_before, b_after = before, after
            assert slot.start >= b.end_at + max(before, b_after) or slot.end <= b.start_at - max(after, b_before), \
                f"slot {slot} overlaps booking {b.start_at}–{b.end_at}"
        assert service.capacity_persons - used >= sc["persons"]
        for period in [*blocks, *busy]:
            if period.calendar_id in (None, cal_id):
                assert padded[1] <= period.start_at or padded[0] >= period.end_at, f"slot {slot} overlaps {period}"


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sc=scenarios())
def test_offered_slots_are_free_real_and_bookable(db, sc):
    savepoint = db.begin_nested()  # every example starts from the same empty database
    try:
        shop, other, rows = arrange(db, sc)
        act(db, shop.anonymous())
        slots = free_slots(db, shop.anonymous(), shop.service.id, sc["day"], sc["day"], sc["persons"])
        starts = [s.start for s in slots]
        assert starts == sorted(set(starts))
        for slot in slots:
            check_slot(db, shop, sc, slot, rows)
        for n in range(min(3, len(slots))):
            slot = slots[(sc["picks"] + n * 7) % len(slots)]
            attempt = db.begin_nested()
            act(db, TenantContext.system())
            client = make_user(db, UserRole.CLIENT)
            ctx = TenantContext.for_user(client, store_id=shop.store.id)
            act(db, ctx)
            booking = book(db, ctx, BookingRequest(service_id=shop.service.id, start=slot.start, persons=sc["persons"]))
            assert booking.start_at == slot.start and booking.calendar_id in slot.calendar_ids
            attempt.rollback()
    finally:
        savepoint.rollback()
