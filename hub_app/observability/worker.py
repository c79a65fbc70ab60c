"""Observability inside Dramatiq: the enqueuing request's id travels with the message.

`RequestIdMiddleware` copies the current request id into the message options when a job is
enqueued (web process) and restores it while the job runs (worker process), so a booking's
confirmation SMS logs with the id of the request that made the booking. `workers.broker`
installs it on the process's broker; `workers.actors` switches the log lines of processes
started by the `dramatiq` command to the JSON format.
"""

from __future__ import annotations

import sys

import dramatiq

from hub_app.observability.logging import format_existing_handlers, request_id_var

OPTION = "hub_request_id"


class RequestIdMiddleware(dramatiq.Middleware):
    @property
    def actor_options(self) -> set[str]:
        return {OPTION}

    def before_enqueue(self, broker, message, delay) -> None:
        request_id = request_id_var.get()
        if request_id and OPTION not in message.options:
            message.options[OPTION] = request_id

    def before_process_message(self, broker, message) -> None:
        request_id_var.set(message.options.get(OPTION) or f"job-{message.message_id}")

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        request_id_var.set(None)

    def after_skip_message(self, broker, message) -> None:
        request_id_var.set(None)


def install(broker: dramatiq.Broker) -> None:
    """Carry request ids through `broker` (called once, where the broker is created)."""
    if not any(isinstance(m, RequestIdMiddleware) for m in broker.middleware):
        broker.add_middleware(RequestIdMiddleware())


def format_worker_logs() -> None:
    """In a process started by the `dramatiq` command, log lines in the JSON format."""
    if bool(sys.argv) and sys.argv[0].endswith("dramatiq"):
        format_existing_handlers()
