"""Two app processes and two Dramatiq worker processes sharing PostgreSQL and Redis.

A client's whole booking flow alternates between the two app processes (no step depends on
which process served the previous one), and every message the flow produces is sent exactly
once although two workers consume the same queues. `bench/scaleout.py` runs the same check at
volume.
"""

from __future__ import annotations

import time

from bench.procs import ApiServer, WorkerProcess, wait_until
from tests.api.conftest import booking_day, local_start
from tests.factories import PASSWORD
from tests.reliability.conftest import booking_body, open_shop, query


def test_booking_flow_across_two_app_processes_and_two_workers(shared_pg_database, private_redis, fake_easysms,
                                                               make_stack, tmp_path):
    stack = make_stack(shared_pg_database, private_redis.url, fake=fake_easysms, workers=0)
    second = ApiServer(stack.env, log_dir=tmp_path).start()
    for _ in range(2):
        stack.workers.append(WorkerProcess(stack.env, log_dir=tmp_path).start_cli(threads=2))
    try:
        shop = open_shop(stack)
        a, b = stack.client(), stack.client(second)
        with a, b:
            booked = a.post(f"/api/v1/stores/{shop.slug}/bookings", json=booking_body(shop, 0, "flow@example.com"))
            assert booked.status_code == 201, booked.text
            booking_id = booked.json()["id"]
            token = b.post("/api/v1/auth/token", json={"email": "flow@example.com", "password": "client-password"})
            assert token.status_code == 200, token.text
            client_auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
            assert a.get(f"/api/v1/bookings/{booking_id}", headers=client_auth).json()["status"] == "confirmed"
            moved = b.post(f"/api/v1/bookings/{booking_id}/reschedule", headers=client_auth,
                           json={"start": local_start(booking_day(9), 11, 0)})
            assert moved.status_code == 200, moved.text
            new_id = moved.json()["id"]
            assert a.post(f"/api/v1/bookings/{new_id}/cancel", headers=client_auth).status_code == 200
            mine = b.get("/api/v1/me/bookings", headers=client_auth).json()
            assert {x["id"]: x["status"] for x in mine} == {booking_id: "rescheduled", new_id: "cancelled"}
            manager = a.post("/api/v1/auth/token", json={"email": shop.manager_email, "password": PASSWORD})
            manager_auth = {"Authorization": f"Bearer {manager.json()['access_token']}"}
            listed = [s.get(f"/api/v1/stores/{shop.slug}/bookings", headers=manager_auth).json()["total"] for s in (a, b)]
            assert listed == [2, 2]
        # confirmation, reschedule and cancellation: three SMS, each sent once by one of the workers
        wait_until(lambda: query(stack, "SELECT count(*) FROM notification WHERE type = 'sms' AND status = 'sent'")[0][0]
                   == 3, 30, interval=0.3, what="three SMS sent")
        time.sleep(2)
        assert len(fake_easysms.sent) == 3
        assert [tuple(r) for r in query(stack, "SELECT kind, attempts FROM notification WHERE type = 'sms' ORDER BY id")] \
            == [("confirmation", 1), ("reschedule", 1), ("cancellation", 1)]
    finally:
        second.stop()
