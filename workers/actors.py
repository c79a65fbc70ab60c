"""Dramatiq actors. `dramatiq workers.actors` loads this module in each worker process.

The broker import below must stay first: it calls `dramatiq.set_broker()` so the actors
defined here (and in modules imported here) bind to the right broker.

Actors take ids, not objects, and must be idempotent: delivery is at least once.
Business logic belongs in the domain layer; an actor only loads ids and calls it.
"""

from workers.broker import broker  # noqa: F401  (sets the global broker before any actor)
import workers.calendar_sync_actors  # noqa: E402,F401
import workers.calendly_actors  # noqa: E402,F401
import workers.inbox_sweep  # noqa: E402,F401
import workers.notification_actors  # noqa: E402,F401
import workers.stripe_actors  # noqa: E402,F401
import workers.webhook_actors  # noqa: E402,F401
from hub_app.observability.worker import format_worker_logs  # noqa: E402
from workers.jobs import connect_after_commit_hooks  # noqa: E402

format_worker_logs()
connect_after_commit_hooks()
