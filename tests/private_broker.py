"""A private in-memory broker for actor tests: the actors under test (and jobs sent by name) go
to it, not to the process's broker, and a real Dramatiq worker consumes it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from workers import jobs
from workers.broker import stop_worker


def bind_actors(monkeypatch: pytest.MonkeyPatch, broker: dramatiq.Broker, actors: Iterable[dramatiq.Actor]) -> None:
    """`actors`, and every job sent by name, go to `broker` for the test."""
    for actor in actors:
        monkeypatch.setattr(actor, "broker", broker)
        broker.declare_actor(actor)
    monkeypatch.setattr(jobs, "broker", broker)


@contextlib.contextmanager
def private_broker(monkeypatch: pytest.MonkeyPatch, actors: Iterable[dramatiq.Actor]) -> Iterator[StubBroker]:
    broker = StubBroker()
    broker.emit_after("process_boot")
    bind_actors(monkeypatch, broker, actors)
    try:
        yield broker
    finally:
        broker.flush_all()
        broker.close()


@contextlib.contextmanager
def running_worker(broker: dramatiq.Broker) -> Iterator[dramatiq.Worker]:
    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=2)
    worker.start()
    try:
        yield worker
    finally:
        stop_worker(worker)
