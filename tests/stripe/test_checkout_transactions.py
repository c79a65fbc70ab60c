"""Booking checkout: no database connection or transaction is held while Stripe answers, and a
process that dies between Stripe's answer and recording it still ends with exactly one session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select

from hub_app import db as hub_db
from hub_app.api.app import create_v1_app
from hub_app.domain.billing import checkout as opening
from hub_app.domain.billing.models import Payment, PaymentRecordStatus
from hub_app.domain.bookings.models import Booking, BookingStatus
from hub_app.domain.stores.models import Store
from tests.stripe.helpers import load, pending_booking, rows
from tests.stripe.test_api import bearer

SESSIONS = "/v1/checkout/sessions"
STRIPE_DELAY = 3.0


def open_transactions(owner_engine: sa.Engine) -> int:
    """Other connections to this database inside a transaction (PostgreSQL's own view)."""
    with owner_engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")).scalar()


def test_no_connection_is_held_while_stripe_answers_over_http(shop, worker, committed_engine, owner_engine,
                                                                backend):
    booking_id = pending_booking(shop)
    slug = load(Store, shop.store_id).slug
    api = TestClient(create_v1_app())
    reached = shop.fake.delay_next("POST", SESSIONS, STRIPE_DELAY)
    answer: dict = {}
    call = threading.Thread(target=lambda: answer.update(response=api.post(
        f"/stores/{slug}/bookings/{booking_id}/checkout", headers=bearer(shop.client_id), json={})))
    call.start()
    assert reached.wait(20), "the checkout never called Stripe"
    time.sleep(0.3)                                   # well inside Stripe's (delayed) answer
    held = committed_engine.pool.checkedout()
    in_transaction = open_transactions(owner_engine) if backend == "postgresql" else 0
    call.join(30)

    assert (held, in_transaction) == (0, 0)
    assert answer["response"].status_code == 200, answer["response"].text
    [payment] = rows(select(Payment).where(Payment.booking_id == booking_id))
    assert payment.stripe_checkout_session_id == answer["response"].json()["session_id"]
    assert len(shop.fake.requests_to("POST", SESSIONS)) == 1
    shop.fake.pay_checkout_session(payment.stripe_checkout_session_id)
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED


CHILD = textwrap.dedent("""
    import sys
    from hub_app import db as hub_db
    from hub_app.domain.accounts.models import AppUser
    from hub_app.domain.billing.checkout import start_booking_checkout
    from hub_app.domain.tenancy import TenantContext

    client_id, store_id, booking_id = map(int, sys.argv[1:4])
    with hub_db.unit_of_work(TenantContext.system()) as db:
        ctx = TenantContext.for_user(db.get(AppUser, client_id), store_id=store_id)
    start_booking_checkout(ctx, booking_id)
    print("recorded", flush=True)
""")


def test_a_process_killed_before_recording_the_session_leaves_one_checkout(shop, worker):
    """Stripe made the session, the process died before saving its id: the retry gets the same one."""
    booking_id = pending_booking(shop)
    fake = shop.fake
    reached = fake.delay_next("POST", SESSIONS, 30, after_processing=True)   # made, answer withheld
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(shop.client_id), str(shop.store_id), str(booking_id)],
                             env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reached.wait(60), child.stderr.read().decode() if child.poll() is not None else "no Stripe call"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    [waiting] = rows(select(Payment).where(Payment.booking_id == booking_id))
    assert waiting.status == PaymentRecordStatus.PENDING and waiting.stripe_checkout_session_id is None
    made = [o for o in fake.state.objects.values() if o.get("object") == "checkout.session"]
    assert len(made) == 1

    start = opening.start_booking_checkout(shop.client_ctx(), booking_id)    # the client tries again
    assert start.session_id == made[0]["id"]
    sent = fake.requests_to("POST", SESSIONS)
    assert len(sent) == 2 and sent[0].idempotency_key == sent[1].idempotency_key == waiting.checkout_request_key
    assert sent[0].params == sent[1].params
    [payment] = rows(select(Payment).where(Payment.booking_id == booking_id))
    assert payment.id == waiting.id and payment.stripe_checkout_session_id == start.session_id
    assert len([o for o in fake.state.objects.values() if o.get("object") == "checkout.session"]) == 1

    fake.pay_checkout_session(start.session_id)
    worker()
    assert load(Booking, booking_id).status == BookingStatus.CONFIRMED


def test_two_racing_calls_open_one_session(shop):
    booking_id = pending_booking(shop)
    ctx = shop.client_ctx()
    shop.fake.delay_next("POST", SESSIONS, 1.0)
    results: list = []
    calls = [threading.Thread(target=lambda: results.append(opening.start_booking_checkout(ctx, booking_id)))
             for _ in range(2)]
    for call in calls:
        call.start()
    for call in calls:
        call.join(30)
    assert len(results) == 2 and results[0].session_id == results[1].session_id
    [payment] = rows(select(Payment).where(Payment.booking_id == booking_id))
    assert payment.stripe_checkout_session_id == results[0].session_id
    assert hub_db.get_engine().pool.checkedout() == 0


def test_a_session_opened_by_another_call_while_this_one_waited_on_stripe_is_reused(shop):
    """B looks at the booking, then waits on Stripe while A opens a session for the same amount:
    B must hand out A's session, not open a second one for the same money."""
    booking_id = pending_booking(shop)
    ctx = shop.client_ctx()
    advance = opening.start_booking_checkout(ctx, booking_id)                  # €10, open
    reached = shop.fake.delay_next("GET", f"{SESSIONS}/{advance.session_id}", 2.0)
    results: dict = {}
    b = threading.Thread(target=lambda: results.update(b=opening.start_booking_checkout(ctx, booking_id,
                                                                                         pay_full=True)))
    b.start()
    assert reached.wait(20)
    results["a"] = opening.start_booking_checkout(ctx, booking_id, pay_full=True)   # A, while B waits
    b.join(30)

    assert results["a"].session_id == results["b"].session_id
    open_sessions = [o for o in shop.fake.state.objects.values()
                     if o.get("object") == "checkout.session" and o["status"] == "open"]
    assert [s["id"] for s in open_sessions] == [results["a"].session_id]
    pending = rows(select(Payment).where(Payment.booking_id == booking_id,
                                         Payment.status == PaymentRecordStatus.PENDING))
    assert [p.stripe_checkout_session_id for p in pending] == [results["a"].session_id]
