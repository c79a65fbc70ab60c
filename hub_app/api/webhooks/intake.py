"""The last step of every webhook: queue the recorded delivery, without letting the queue fail it.

By the time this runs the delivery is committed to the inbox, which is all the provider needs to
know: answering 2xx stops its retries, and a row whose message could not be queued (Redis down,
a timeout) is sent again by the inbox sweep (workers/inbox_sweep.py) or, for EasySMS, by the
notification tick. Answering an error here instead would only make the provider retry into a
duplicate that the inbox then ignores.
"""

from __future__ import annotations

import logging

from workers.jobs import Job, send

logger = logging.getLogger(__name__)


def enqueue_recorded(job: Job, inbox_id: int, provider: str) -> bool:
    """Send `inbox_id` to `job`; False (logged) when the queue refused it. Blocking."""
    try:
        send(job, inbox_id)
    except Exception as exc:  # any broker failure: the row is safe in the inbox and will be swept
        # One line, no traceback: during an outage every delivery lands here.
        logger.warning("Could not enqueue %s inbox row %s (%s: %s); the sweep will send it", provider, inbox_id,
                       type(exc).__name__, exc)
        return False
    return True
