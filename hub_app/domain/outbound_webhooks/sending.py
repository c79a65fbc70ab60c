"""Sending one delivery: at most one attempt at a time, the same event id every time.

`deliver(id)` may be called any number of times, concurrently, or again after a crash:

1. Claim (own short transaction): a conditional UPDATE takes a `pending` delivery whose
   `next_attempt_at` has passed, counts the attempt and leases it for LEASE. Only one caller
   matches; a duplicate queue message finds nothing to do.
2. POST the stored body, signed, outside any transaction (no lock held while the receiver thinks).
3. Record (own transaction): the attempt's log row, and the delivery's new state (succeeded,
   retry at now + backoff, or failed after its attempts), only if the lease is still ours.

A worker that dies between 1 and 3 leaves a leased row that the sweep retries after LEASE; the
receiver then sees the event id again, which is why it must dedupe by it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.orm import Session

from hub_app.domain.base import new_row
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.outbound_webhooks import signing
from hub_app.domain.outbound_webhooks.addresses import AddressRefused, check_url
from hub_app.domain.outbound_webhooks.endpoints import signing_secrets
from hub_app.domain.outbound_webhooks.events import queue_after_commit
from hub_app.domain.outbound_webhooks.models import (
    DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint,
)
from hub_app.domain.outbound_webhooks.sending_policy import (
    LEASE, MAX_ATTEMPTS, RESPONSE_BODY_KEPT, TIMEOUT_SECONDS, backoff_after,
)
from hub_app.domain.permissions import Feature, require
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.types import utcnow
from hub_app.i18n import t
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)
USER_AGENT = "AppointmentHub-Webhooks/1.0"


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    store_id: int
    attempt: int
    url: str
    event_id: str
    event_type: str
    body: bytes
    secrets: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    error: str | None = None
    body: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class DeliveryOutcome:
    delivery_id: int
    status: str                    # succeeded | retry | failed | cancelled | skipped
    retry_at: datetime | None = None


def _claim(db: Session, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    taken = db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING,
               or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now))
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    return db.scalars(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                      .execution_options(populate_existing=True)).one()


def _prepare(db: Session, row: WebhookDelivery) -> Outgoing | None:
    endpoint = db.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        row.status, row.next_attempt_at, row.last_error = DeliveryStatus.CANCELLED, None, "endpoint disabled"
        return None
    return Outgoing(row.id, row.store_id, row.attempts, endpoint.url, row.event_id, row.event_type,
                    row.payload.encode(), tuple(signing_secrets(endpoint)))


def _post(outgoing: Outgoing, client: httpx.Client) -> Answer:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        check_url(outgoing.url)  # again at send time: a name may now point somewhere private
    except AddressRefused as exc:
        return Answer(None, took(), error=f"refused: {exc}")
    headers = {
        "Content-Type": "application/json", "User-Agent": USER_AGENT,
        signing.SIGNATURE_HEADER: signing.signature_header(list(outgoing.secrets), int(time.time()), outgoing.body),
        signing.EVENT_ID_HEADER: outgoing.event_id, signing.EVENT_TYPE_HEADER: outgoing.event_type,
        "Hub-Delivery-Attempt": str(outgoing.attempt),
    }
    try:
        with client.stream("POST", outgoing.url, content=outgoing.body, headers=headers) as response:
            kept = b""
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= RESPONSE_BODY_KEPT * 4:
                    break
            text = kept.decode("utf-8", "replace")[:RESPONSE_BODY_KEPT]
            return Answer(response.status_code, took(), body=text or None)
    except httpx.TimeoutException:
        return Answer(None, took(), error=f"timed out after {TIMEOUT_SECONDS:.0f} s")
    except httpx.HTTPError as exc:
        return Answer(None, took(), error=f"{type(exc).__name__}: {exc}"[:500])


def _record(db: Session, outgoing: Outgoing, answer: Answer, now: datetime) -> DeliveryOutcome:
    did = outgoing.delivery_id
    db.add(new_row(WebhookAttempt, store_id=outgoing.store_id, delivery_id=did, number=outgoing.attempt,
                   duration_ms=answer.duration_ms, status_code=answer.status_code,
                   error=(answer.error or None) and answer.error[:500], response_body=answer.body))
    error = answer.error or (None if answer.ok else f"HTTP {answer.status_code}")
    row = db.get(WebhookDelivery, did)
    values: dict = {"last_status_code": answer.status_code, "last_error": error}
    if answer.ok:
        values.update(status=DeliveryStatus.SUCCEEDED, delivered_at=utcnow(), next_attempt_at=None)
        outcome = DeliveryOutcome(did, "succeeded")
    elif row is not None and outgoing.attempt < row.max_attempts:
        retry_at = now + backoff_after(outgoing.attempt)
        values.update(next_attempt_at=retry_at)
        outcome = DeliveryOutcome(did, "retry", retry_at)
    else:
        values.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        outcome = DeliveryOutcome(did, "failed")
    updated = db.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == did, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.attempts == outgoing.attempt)
        .values(**values).execution_options(synchronize_session=False))
    if updated.rowcount != 1:
        logger.warning("Webhook delivery %s changed during attempt %s; its result is logged only", did, outgoing.attempt)
    return outcome


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def http_client() -> httpx.Client:
    """One client per process, shared by the worker's threads (building one costs a TLS context
    each time): no redirects (a redirect could lead anywhere), the outbound proxy when set."""
    global _client
    with _client_lock:
        if _client is None:
            proxy = get_settings().outbound_http_proxy or None
            _client = httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, proxy=proxy,
                                   limits=httpx.Limits(max_connections=50, max_keepalive_connections=10))
        return _client


def deliver(delivery_id: int, *, engine: Engine | None = None, client: httpx.Client | None = None,
            now: datetime | None = None) -> DeliveryOutcome:
    from hub_app.db import unit_of_work  # the unit of work sits above the domain

    ctx = TenantContext.system()
    now = now or utcnow()
    with unit_of_work(ctx, engine) as db:
        row = _claim(db, delivery_id, now)
        if row is None:
            return DeliveryOutcome(delivery_id, "skipped")
        outgoing = _prepare(db, row)
    if outgoing is None:
        return DeliveryOutcome(delivery_id, "cancelled")
    answer = _post(outgoing, client or http_client())
    with unit_of_work(ctx, engine) as db:
        return _record(db, outgoing, answer, now)


def due_deliveries(db: Session, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: never queued, retries, leases that ran out."""
    now = now or utcnow()
    return list(db.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING,
               or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def resend(db: Session, ctx: TenantContext, delivery_id: int) -> WebhookDelivery:
    """The manager's "Resend": the same event (same id, same body) goes out again, with a fresh
    allowance of attempts. Refused while it is still pending, or when the endpoint is disabled."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    row = db.get(WebhookDelivery, delivery_id, with_for_update=True)
    if row is None:
        raise NotFound(t("webhooks.delivery_not_found", ctx.locale))
    endpoint = db.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        raise ValidationFailed(t("webhooks.resend_disabled", ctx.locale))
    if row.status == DeliveryStatus.PENDING:
        # Waiting for an attempt, or inside one: resetting it now could send it twice at once.
        raise ValidationFailed(t("webhooks.resend_pending", ctx.locale))
    row.status, row.next_attempt_at = DeliveryStatus.PENDING, utcnow()
    row.max_attempts = row.attempts + MAX_ATTEMPTS
    db.flush()
    queue_after_commit(db, [row])
    return row
