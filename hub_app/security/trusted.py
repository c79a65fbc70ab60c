"""Whether a client address is in one of the admin's trusted networks (exempt from per-address limits).

The ranges live in the database (hub_app.domain.platform.trusted_networks) and are kept in each
process's memory for `REFRESH_SECONDS`, so the limits cost no query per request; a change in the
admin panel applies within that time. A database that cannot be read leaves the last known list.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time

from hub_app.db import unit_of_work
from hub_app.domain.platform.trusted_networks import trusted_networks as read_trusted_networks
from hub_app.domain.tenancy import TenantContext

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 30.0


class TrustedNetworks:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._networks: list = []
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def _load(self) -> list:
        with unit_of_work(TenantContext.system()) as db:
            return read_trusted_networks(db)

    def _current(self) -> list:
        now = self._clock()
        with self._lock:
            if self._loaded_at is not None and now - self._loaded_at < REFRESH_SECONDS:
                return self._networks
            self._loaded_at = now  # one reader refreshes; the others use the list they have
        try:
            networks = self._load()
        except Exception:  # the limits must keep working while the database is away
            logger.warning("Trusted networks could not be read; keeping the last list", exc_info=True)
            return self._networks
        self._networks = networks
        return networks

    def contains(self, ip: str | None) -> bool:
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self._current())

    def forget(self) -> None:
        """Read the list again at the next check (after an edit, and between tests)."""
        with self._lock:
            self._loaded_at = None


trusted_networks = TrustedNetworks()
