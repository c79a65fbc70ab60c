"""Which origins may embed a store, asked on every embed page and every cross-origin request to a
public booking endpoint: read once per store and kept for a few seconds in each process.

A manager's change clears this process's entries when it commits (`forget_embed_policies`);
other processes see it within `CACHE_SECONDS`. Both directions are harmless in that window: a
newly listed site waits a few seconds, a removed one keeps a few seconds of what it already had.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hub_app.domain.embedding.rules import accent_or_default
from hub_app.domain.stores.models import Store, StoreSlugRedirect

CACHE_SECONDS = 10.0
_MAX_ENTRIES = 2048
_CHANGED = "embed_policy_changed"


@dataclass(frozen=True)
class EmbedPolicy:
    store_id: int
    slug: str             # the store's current slug (the one asked for may be an old one)
    origins: tuple[str, ...]
    accent_color: str     # the store's colour, or the default one

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and origin in self.origins


_lock = threading.Lock()
_cache: dict[str, tuple[float, EmbedPolicy | None]] = {}


def _read(db: Session, slug: str) -> EmbedPolicy | None:
    store = db.scalar(select(Store).where(Store.slug == slug))
    if store is None:
        redirect = db.scalar(select(StoreSlugRedirect).where(StoreSlugRedirect.old_slug == slug))
        store = db.get(Store, redirect.store_id) if redirect else None
    if store is None or not store.is_active:
        return None
    return EmbedPolicy(store_id=store.id, slug=store.slug, origins=tuple(store.embed_domains or ()),
                       accent_color=accent_or_default(store.embed_accent_color))


def cached_embed_policy(slug: str) -> tuple[bool, EmbedPolicy | None]:
    """(True, the policy) when this process read it less than CACHE_SECONDS ago, else (False, None):
    lets an async caller skip the thread hop of `embed_policy` on a hit."""
    with _lock:
        hit = _cache.get((slug or "").strip().lower())
    if hit is not None and hit[0] > time.monotonic():
        return True, hit[1]
    return False, None


def embed_policy(slug: str) -> EmbedPolicy | None:
    """The embedding policy of the active store at `slug` (current or old), None for no store."""
    slug = (slug or "").strip().lower()
    if not slug:
        return None
    hit, policy = cached_embed_policy(slug)
    if hit:
        return policy
    now = time.monotonic()
    from hub_app.db import unit_of_work  # the domain's unit of work, imported late like its peers
    from hub_app.domain.tenancy import TenantContext

    with unit_of_work(TenantContext.anonymous()) as db:
        policy = _read(db, slug)
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()  # a flood of made-up slugs must not grow memory; real ones refill at once
        _cache[slug] = (now + CACHE_SECONDS, policy)
    return policy


def forget_embed_policies() -> None:
    with _lock:
        _cache.clear()


def policy_changed(db: Session) -> None:
    """Mark the session: this process's cached policies are dropped when it commits."""
    db.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is None and session.info.pop(_CHANGED, False):
        forget_embed_policies()


@event.listens_for(Session, "after_transaction_end")
def _forget_mark_on_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
