"""POST /webhooks/calendly/{store_id}: verify with that store's signing key, record, enqueue, 200.

The store id in the path picks the signing key (each store's subscription has its own); the
signature, not the path, proves the delivery is genuine. Anything unverifiable is a 400 and
nothing is stored. Once recorded the answer is 200 even when the queue is down (see intake.py).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hub_app import db as hub_db
from hub_app.api.webhooks.intake import enqueue_recorded
from workers.jobs import APPLY_CALENDLY_EVENT
from hub_app.domain.calendly.inbound import PROVIDER, RejectedWebhook, receive_webhook
from hub_app.domain.calendly.signature import HEADER
from hub_app.domain.tenancy import TenantContext

logger = logging.getLogger(__name__)
router = APIRouter()
# Invitee payloads are a few kilobytes; anything this large is not from Calendly.
MAX_BODY_BYTES = 1024 * 1024


def _receive(store_id: int, raw: bytes, header: str | None) -> tuple[int, bool]:
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        return receive_webhook(db, TenantContext.system(store_id), raw, header)


@router.post("/calendly/{store_id}")
async def calendly_webhook(store_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request) -> JSONResponse:
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        return JSONResponse({"error": "invalid webhook"}, status_code=400)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "invalid webhook"}, status_code=400)
    try:
        inbox_id, is_new = await run_in_threadpool(_receive, store_id, raw, request.headers.get(HEADER))
    except RejectedWebhook as exc:
        logger.warning("Rejected Calendly webhook for store %s: %s", store_id, exc)
        return JSONResponse({"error": "invalid webhook"}, status_code=400)
    if is_new:
        # In a thread: a Redis that stops answering holds the send for its socket timeout.
        await run_in_threadpool(enqueue_recorded, APPLY_CALENDLY_EVENT, inbox_id, PROVIDER)
    return JSONResponse({"received": True, "duplicate": not is_new})
