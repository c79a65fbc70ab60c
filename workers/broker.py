"""The one Dramatiq broker of the process, chosen from the settings at import time.

Dramatiq binds every actor to the *global* broker when the actor is defined, so this module
must be imported (and `dramatiq.set_broker` called) before any `@dramatiq.actor` runs:
`workers.actors` and every module that defines actors import it first.

- REDIS_URL set   -> RedisBroker; run `dramatiq workers.actors --processes 2 --threads 4`.
- REDIS_URL unset -> StubBroker (in memory); the web process runs an embedded worker
  (`workers.embedded`) so `make run` works without Redis.

This module imports no actor: actor modules import it, never the other way round.
"""

from __future__ import annotations

import logging
import os

import dramatiq
from dramatiq.brokers.stub import StubBroker

from hub_app.observability.worker import install as carry_request_ids
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

# Queue keys are prefixed with this namespace in Redis, so test runs or several deployments can
# share one Redis server without consuming each other's messages.
QUEUE_NAMESPACE = os.environ.get("HUB_QUEUE_NAMESPACE", "hub")


def _create_broker() -> dramatiq.Broker:
    settings = get_settings()
    if settings.redis_url:
        # Imported lazily: the redis broker module needs the `redis` package only when used.
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # Socket timeouts: a Redis that stops answering (frozen, network partition) must make an
        # enqueue fail after a few seconds (the outbox and the sweeps recover it), not hang the
        # web request that enqueues after its commit. Dramatiq issues no blocking commands.
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        return RedisBroker(client=client, namespace=QUEUE_NAMESPACE)
    return StubBroker()


broker: dramatiq.Broker = _create_broker()
dramatiq.set_broker(broker)
carry_request_ids(broker)


def uses_stub_broker() -> bool:
    """True when messages stay in this process (no REDIS_URL): an embedded worker is needed."""
    return isinstance(broker, StubBroker)


def stop_worker(worker: dramatiq.Worker, timeout_ms: int = 5000) -> None:
    """Stop a worker and detach it from its broker.

    Dramatiq leaves a stopped worker's hook in the broker's middleware; when a queue is declared
    later, that hook starts a consumer for the dead worker, which then takes messages off the
    queue that nobody will ever process. Removing the hook keeps a later worker's queue whole.
    """
    worker.stop(timeout=timeout_ms)
    worker.broker.middleware[:] = [
        m for m in worker.broker.middleware if getattr(m, "worker", None) is not worker
    ]
