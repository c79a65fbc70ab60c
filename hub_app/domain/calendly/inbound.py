"""Receiving a Calendly webhook: verify it with the store's signing key, then record it once.

Calendly has no event id, so a delivery is identified by "<event>:<payload.uri>:<created_at>":
a redelivery of the same event gets the same id and is recorded only once.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from hub_app.domain.calendly.service import get_connection, signing_key_of
from hub_app.domain.calendly.signature import InvalidSignature, verify
from hub_app.domain.integrations.inbox import record_event
from hub_app.domain.integrations.models import CalendlyConnectionState
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings

PROVIDER = "calendly"


class RejectedWebhook(Exception):
    """Not a delivery we accept (bad signature, unknown store, unreadable body): answer 400."""


def receive_webhook(db: Session, ctx: TenantContext, raw_body: bytes, signature_header: str | None, *,
                    now: float | None = None) -> tuple[int, bool]:
    """Verify and record. Returns (inbox id, is_new); raises RejectedWebhook and stores nothing."""
    conn = get_connection(db, ctx)
    key = signing_key_of(conn) if conn is not None and conn.state != CalendlyConnectionState.DISCONNECTED else None
    if key is None:
        raise RejectedWebhook("no Calendly webhook subscription for this store")
    try:
        verify(raw_body, signature_header, key, tolerance_seconds=get_settings().calendly_webhook_tolerance_seconds,
               now=now)
    except InvalidSignature as exc:
        raise RejectedWebhook(str(exc)) from exc
    try:
        body = json.loads(raw_body)
        name = str(body["event"])
        payload = body.get("payload") or {}
        event_id = f"{name}:{payload.get('uri', '')}:{body.get('created_at', '')}"
        text = raw_body.decode("utf-8")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RejectedWebhook("body is not a Calendly event") from exc
    event, is_new = record_event(db, provider=PROVIDER, event_id=event_id, event_type=name, payload=text,
                                 store_id=ctx.store_id)
    return event.id, is_new
