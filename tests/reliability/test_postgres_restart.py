"""PostgreSQL restarts while clients book: clean errors, no partial or double bookings, and the app
recovers by itself (pooled connections are checked before use, `pool_pre_ping`)."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter

from bench.procs import wait_until
from tests.reliability.conftest import booking_body, open_shop, query

ACCEPTED = {200, 201}
CLEAN_DURING_OUTAGE = {200, 201, 503}


def test_postgres_restart_gives_clean_errors_and_loses_nothing(private_postgres, make_stack):
    database_url = private_postgres.create_database()
    stack = make_stack(database_url, None, workers=0, RATE_LIMIT_BOOKING_PER_IP="100000",
                       RATE_LIMIT_BOOKING_PER_ACCOUNT="100000")
    shop = open_shop(stack)
    slots = itertools.count()
    attempts: dict[str, tuple[dict, list[int]]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client_loop() -> None:
        try:
            run_client()
        except Exception as exc:  # reported by the assertions below, not lost in the thread
            errors.append(f"client crashed: {type(exc).__name__}: {exc}")

    def run_client() -> None:
        with stack.client(timeout=60) as http:
            while not stop.is_set():
                key = uuid.uuid4().hex
                body = booking_body(shop, next(slots), f"{key[:12]}@example.com")
                response = http.post(f"/api/v1/stores/{shop.slug}/bookings", json=body,
                                     headers={"Idempotency-Key": key})
                with lock:
                    attempts[key] = (body, [response.status_code])
                if response.status_code not in ACCEPTED:
                    error = response.json().get("error", {})
                    if not (isinstance(error.get("code"), str) and error.get("message")):
                        errors.append(response.text[:200])
                    if response.status_code == 503 and "retry-after" not in response.headers:
                        errors.append("503 without Retry-After")
                http.get(f"/api/v1/stores/{shop.slug}/services")

    threads = [threading.Thread(target=client_loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    private_postgres.restart("fast")
    restarted_at = time.monotonic()
    with stack.client() as http:
        wait_until(lambda: http.get("/ready").status_code == 200, 30, what="ready again after the restart")
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    statuses = Counter(s for _, codes in attempts.values() for s in codes)
    assert not errors, errors
    assert set(statuses) <= CLEAN_DURING_OUTAGE, statuses
    assert statuses[201] > 0 and statuses[503] > 0, statuses  # traffic went on, and met the outage
    # Every attempt that did not succeed is retried with its Idempotency-Key: at most one booking each.
    with stack.client() as http:
        for key, (body, codes) in attempts.items():
            if codes[-1] not in ACCEPTED:
                retry = http.post(f"/api/v1/stores/{shop.slug}/bookings", json=body, headers={"Idempotency-Key": key})
                codes.append(retry.status_code)
                assert retry.status_code in ACCEPTED, retry.text
        # Service resumed without restarting the app: the last requests went through.
        assert http.get(f"/api/v1/stores/{shop.slug}/services").status_code == 200
    assert time.monotonic() - restarted_at < 60

    bookings = query(stack, "SELECT b.calendar_id, b.start_at, u.email FROM booking b "
                            "JOIN app_user u ON u.id = b.client_user_id")
    assert len(bookings) == len(attempts)  # one booking per attempt: none lost, none doubled
    assert len({(cal, start) for cal, start, _ in bookings}) == len(bookings)  # no double-booked slot
    assert {email.split("@")[0] for _, _, email in bookings} == {key[:12] for key in attempts}
    orphans = query(stack, "SELECT count(*) FROM app_user u WHERE u.role = 'client' AND NOT EXISTS "
                           "(SELECT 1 FROM booking b WHERE b.client_user_id = u.id)")
    assert orphans[0][0] == 0  # no client registered without the booking made in the same step
