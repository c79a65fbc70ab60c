"""The read-only analytics engine: a streaming replica when it is set, up and close behind.

Manager and admin analytics only read, and a few seconds' staleness does not change a weekly
figure, so they can run on a hot standby (DATABASE_REPLICA_URL) and leave the primary's CPU to
bookings. Fallback to the primary, decided per process and re-checked at most every
CHECK_INTERVAL seconds (one cheap query, not one per page view):

- no DATABASE_REPLICA_URL, or SQLite: the primary;
- the replica does not answer within CONNECT_TIMEOUT: the primary;
- the replica is behind by more than REPLICA_MAX_LAG_SECONDS: the primary. Behind means WAL it
  has received but not yet replayed, or no WAL receiver running (the primary gone or the
  replication link broken), measured as `now() - pg_last_xact_replay_timestamp()`. A standby
  that has replayed everything it received while still streaming is not behind, however long
  ago the last write was (an idle primary must not make its replica look stale).
- a promoted replica (no longer in recovery) is a primary: read from it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

from hub_app import db as hub_db
from hub_app.db import make_engine, unit_of_work
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings

log = logging.getLogger(__name__)

CHECK_INTERVAL = 5.0
CONNECT_TIMEOUT = 2

_LAG = text(
    "SELECT CASE"
    " WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver)"
    "      AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity'::float8) END"
)


@dataclass
class _Verdict:
    use_replica: bool
    checked_at: float
    reason: str


class ReplicaRouter:
    """Chooses between a replica engine and the primary's (hub_db.get_engine()), caching the decision
    briefly."""

    def __init__(self, replica: Engine, max_lag_seconds: float, check_interval: float = CHECK_INTERVAL) -> None:
        self.replica = replica
        self.max_lag_seconds, self.check_interval = max_lag_seconds, check_interval
        self._verdict: _Verdict | None = None
        self._lock = threading.Lock()

    def lag_seconds(self) -> float:
        """How far the replica is behind (0 when caught up or promoted); raises when it is down."""
        with self.replica.connect() as conn:
            return float(conn.execute(_LAG).scalar_one())

    def engine(self) -> Engine:
        verdict = self._verdict
        if verdict is None or time.monotonic() - verdict.checked_at >= self.check_interval:
            with self._lock:
                verdict = self._verdict
                if verdict is None or time.monotonic() - verdict.checked_at >= self.check_interval:
                    verdict = self._check()
                    if self._verdict is None or verdict.use_replica != self._verdict.use_replica:
                        log.log(logging.INFO if verdict.use_replica else logging.WARNING,
                                "analytics reads go to the %s (%s)",
                                "replica" if verdict.use_replica else "primary", verdict.reason)
                    self._verdict = verdict
        return self.replica if verdict.use_replica else hub_db.get_engine()

    def _check(self) -> _Verdict:
        now = time.monotonic()
        try:
            lag = self.lag_seconds()
        except Exception as exc:  # down, refusing, timing out: the primary answers instead
            return _Verdict(False, now, f"replica unreachable: {type(exc).__name__}")
        if lag > self.max_lag_seconds:
            return _Verdict(False, now, f"replica {lag:.0f} s behind, more than {self.max_lag_seconds:g} s")
        return _Verdict(True, now, f"replica {lag:.1f} s behind")


@lru_cache
def _router() -> ReplicaRouter | None:
    settings = get_settings()
    if not settings.resolved_replica_url or not settings.is_postgres:
        return None
    url = make_url(settings.resolved_replica_url)
    if "connect_timeout" not in url.query:
        # A replica that does not answer must not hold a page view longer than this.
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT)})
    replica = make_engine(url.render_as_string(hide_password=False), pool_size=5)
    return ReplicaRouter(replica, settings.replica_max_lag_seconds)


def analytics_engine() -> Engine:
    """The engine for read-only analytics (see the module's docstring for the choice)."""
    router = _router()
    return router.engine() if router is not None else hub_db.get_engine()


@contextmanager
def analytics_unit_of_work(ctx: TenantContext) -> Iterator[Session]:
    """A unit of work for reads only, on the replica when it is fit (the primary otherwise)."""
    with unit_of_work(ctx, analytics_engine()) as db:
        yield db


def reset_replica_cache() -> None:
    router = _router() if _router.cache_info().currsize else None
    if router is not None:
        router.replica.dispose()
    _router.cache_clear()
