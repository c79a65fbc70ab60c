"""A worker process killed in the middle of a job: the job is done again, once, by another worker.

The job is applying an EasySMS delivery report (inbox row -> notification delivered). The test
holds a lock on the notification row, so the first worker is provably mid-job (its transaction
waits on the lock) when it is SIGKILLed. Its work dies with its connection, but the attempt it
had counted beforehand stays counted; Dramatiq's
Redis broker gives its unacknowledged message to the surviving worker once the dead one's
heartbeat is stale (shortened from 60 s here). The periodic tick is off, so only that
redelivery can finish the job.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from bench.procs import WorkerProcess, wait_until
from tests.reliability.conftest import DLR_TOKEN, booking_body, open_shop, query


def test_killed_worker_job_is_redone_once_by_another_worker(shared_pg_database, private_redis, fake_easysms,
                                                            make_stack, tmp_path):
    stack = make_stack(shared_pg_database, private_redis.url, fake=fake_easysms, HUB_NOTIFICATION_TICK_SECONDS="0")
    shop = open_shop(stack)
    with stack.client() as http:
        assert http.post(f"/api/v1/stores/{shop.slug}/bookings",
                         json=booking_body(shop, 0, "crash@example.com")).status_code == 201
        wait_until(lambda: len(fake_easysms.sent) == 1, 30, what="the confirmation SMS")
        msgid = next(iter(fake_easysms.sent))
        wait_until(lambda: query(stack, "SELECT status FROM notification WHERE external_message_id = :m",
                                 m=msgid)[0][0] == "sent", 10, what="the SMS recorded as sent")

        owner = sa.create_engine(stack.database_url)
        lock = owner.connect()
        try:
            lock.begin()
            lock.execute(sa.text("SELECT id FROM notification WHERE external_message_id = :m FOR UPDATE"), {"m": msgid})
            report = http.get(f"/webhooks/easysms/{DLR_TOKEN}", params={"msgid": msgid, "status": "d"})
            assert report.status_code == 200 and report.json()["duplicate"] is False
            wait_until(lambda: query(stack, "SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0] > 0, 20,
                       what="the first worker waiting inside the job")
            stack.workers[0].kill()
        finally:
            lock.rollback()
            lock.close()
            owner.dispose()

    survivor = WorkerProcess(stack.env, log_dir=tmp_path).start(heartbeat_ms=2000, always_maintain=True)
    stack.workers.append(survivor)
    wait_until(lambda: query(stack, "SELECT status FROM webhook_event WHERE provider = 'easysms'")[0][0] == "processed",
               60, interval=0.3, what="the report applied by the surviving worker")
    time.sleep(2)  # any second execution would have happened by now
    (attempts,) = query(stack, "SELECT attempts FROM webhook_event WHERE provider = 'easysms'")[0]
    # The killed attempt was counted (and committed) before its work began, and still counts:
    # a job that kills its worker every time is given up instead of retried forever.
    assert attempts == 2
    assert query(stack, "SELECT status FROM notification WHERE external_message_id = :m", m=msgid)[0][0] == "delivered"
    assert len(fake_easysms.sent) == 1
    namespace = stack.env["HUB_QUEUE_NAMESPACE"]
    import redis

    client = redis.Redis.from_url(private_redis.url)
    try:
        assert client.llen(f"{namespace}:notifications") == 0
        leftover_acks = [key for key in client.scan_iter(f"{namespace}:__acks__.*") if client.scard(key)]
        assert leftover_acks == []
    finally:
        client.close()
