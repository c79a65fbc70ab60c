"""A Dramatiq worker process like `dramatiq workers.actors`, with tunable failure detection.

    python -m bench.worker [--threads 2] [--heartbeat-ms 3000] [--always-maintain] [--fast-sweeps]

Production workers keep Dramatiq's defaults: a worker that stops heart-beating for 60 s is
declared dead and its unacknowledged messages go back to their queue during the next queue
maintenance (1 command in 1,000). Fault tests cannot wait minutes, so `--heartbeat-ms` shortens
the first and `--always-maintain` runs maintenance on every command. `--fast-sweeps` makes the
webhook inbox sweep (every 60 s, for rows older than 2 minutes) run every second for rows older
than 2 seconds. Prints "worker ready" once consuming; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--heartbeat-ms", type=int, default=None)
    parser.add_argument("--always-maintain", action="store_true")
    parser.add_argument("--fast-sweeps", action="store_true")
    args = parser.parse_args()

    import dramatiq
    from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker

    import workers.actors  # noqa: F401  (declares every actor and queue)
    from hub_app.observability.logging import configure_logging
    from workers.broker import broker

    configure_logging()
    if isinstance(broker, RedisBroker):
        if args.heartbeat_ms is not None:
            broker.heartbeat_timeout = args.heartbeat_ms
        if args.always_maintain:
            broker.maintenance_chance = MAINTENANCE_SCALE
    if args.fast_sweeps:
        _fast_inbox_sweep(broker)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker = dramatiq.Worker(broker, worker_threads=args.threads, worker_timeout=500)
    worker.start()
    print("worker ready", flush=True)
    stop.wait()
    worker.stop(timeout=5000)
    broker.close()


def _fast_inbox_sweep(broker) -> None:
    from datetime import timedelta

    from workers import inbox_sweep

    inbox_sweep.GRACE = timedelta(seconds=2)
    for middleware in broker.middleware:
        if isinstance(middleware, inbox_sweep.InboxSweepTicker):
            middleware.interval = 1.0


if __name__ == "__main__":
    main()
