"""POST /webhooks/stripe: verify Stripe-Signature over the raw body, record once, enqueue, answer.

One endpoint serves both Stripe endpoints (platform events and Connect events from the stores'
accounts): a delivery is genuine when it verifies with either signing secret, and the inbox row
remembers which one did, because a Connect event is only as trusted as the store whose account
sent it (billing.event_origin decides what each may act on). Nothing is parsed or stored before
the signature (and its timestamp, 300 s tolerance) checks out. Once recorded the
answer is 200 even when the queue is down (see intake.py).
"""

from __future__ import annotations

import json
import logging

import stripe
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hub_app import db as hub_db
from hub_app.api.webhooks.intake import enqueue_recorded
from workers.jobs import PROCESS_STRIPE_EVENT
from hub_app.domain.billing.events import PROVIDER, record_delivery
from hub_app.domain.integrations.models import VerifiedBy
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300

router = APIRouter()


def _secrets() -> list[tuple[VerifiedBy, str]]:
    settings = get_settings()
    return [(name, secret) for name, secret in ((VerifiedBy.PLATFORM, settings.stripe_webhook_secret),
                                                (VerifiedBy.CONNECT, settings.stripe_connect_webhook_secret))
            if secret]


def verify(payload: bytes, header: str | None, secrets: list[tuple[VerifiedBy, str]]) -> VerifiedBy | None:
    """Which secret verifies the delivery (None: neither)."""
    if not header:
        return None
    for name, secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), header, secret, TOLERANCE_SECONDS)
            return name
        except (stripe.SignatureVerificationError, UnicodeDecodeError):
            continue
    return None


def accept_delivery(payload: bytes, header: str | None) -> tuple[int, dict]:
    """Verify, record and enqueue one delivery; returns (HTTP status, body). Blocking: run in a thread."""
    secrets = _secrets()
    if not secrets:
        return 503, {"error": "stripe webhooks are not configured"}
    verified_by = verify(payload, header, secrets)
    if verified_by is None:
        return 400, {"error": "invalid signature"}
    try:
        event = json.loads(payload)
        event_id, event_type = event["id"], event["type"]
    except (ValueError, KeyError, TypeError):
        return 400, {"error": "invalid payload"}
    with hub_db.unit_of_work(TenantContext.system()) as db:
        inbox_id, is_new = record_delivery(db, event_id=str(event_id), event_type=str(event_type),
                                           payload=payload.decode("utf-8"), verified_by=verified_by)
    if is_new:
        # After the commit: the worker must find the row. A failed enqueue is left to the sweep.
        enqueue_recorded(PROCESS_STRIPE_EVENT, inbox_id, PROVIDER)
    return 200, {"received": True, "duplicate": not is_new}


@router.post("/stripe")
async def stripe_webhook(request: Request) -> JSONResponse:
    payload = await request.body()
    status, body = await run_in_threadpool(accept_delivery, payload, request.headers.get("stripe-signature"))
    return JSONResponse(body, status_code=status)
