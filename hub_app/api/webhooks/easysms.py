"""GET|POST /webhooks/easysms/{token}: EasySMS delivery reports (msgid, status).

EasySMS does not sign its callbacks, so the path carries an unguessable per-deployment token
(EASYSMS_CALLBACK_TOKEN), compared in constant time; a wrong token, or none configured, is a
404 (nothing here to find). Reports come as query or form parameters (the HTTP method is not
documented, so both are accepted). Each (msgid, status) is recorded once in the inbox, then a
worker applies it; the answer is 200 at once, also for a repeat.
"""

from __future__ import annotations

import hmac
import json
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from hub_app import db as hub_db
from hub_app.api.webhooks.intake import enqueue_recorded
from hub_app.domain.integrations.inbox import record_event
from hub_app.domain.notifications.delivery import PROVIDER
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings
from workers.jobs import PROCESS_EASYSMS_REPORT

router = APIRouter()


def _token_ok(token: str) -> bool:
    expected = get_settings().easysms_callback_token
    if not expected:
        return False
    return hmac.compare_digest(token.encode(), expected.encode())


def _record(msgid: str, status: str) -> tuple[int, bool]:
    payload = json.dumps({"msgid": msgid, "status": status}, separators=(",", ":"))
    with hub_db.unit_of_work(TenantContext.system()) as db:
        event, is_new = record_event(db, provider=PROVIDER, event_id=f"{msgid}:{status}",
                                     event_type=f"dlr.{status}", payload=payload)
        return event.id, is_new


@router.api_route("/easysms/{token}", methods=["GET", "POST"])
async def easysms_delivery_report(token: str, request: Request) -> JSONResponse:
    if not _token_ok(token):
        return JSONResponse({"error": "not found"}, status_code=404)
    params = dict(request.query_params)
    if request.method == "POST":
        raw = await request.body()
        if raw and "json" in request.headers.get("content-type", ""):
            try:
                body = json.loads(raw)
                params.update({k: str(v) for k, v in body.items()} if isinstance(body, dict) else {})
            except ValueError:
                pass
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    msgid = (params.get("msgid") or "").strip()[:100]
    status = (params.get("status") or "").strip().lower()[:20]
    if not msgid or not status:
        return JSONResponse({"error": "msgid and status are required"}, status_code=400)
    inbox_id, is_new = await run_in_threadpool(_record, msgid, status)
    if is_new:
        # In a thread: a Redis that stops answering holds the send for its socket timeout.
        await run_in_threadpool(enqueue_recorded, PROCESS_EASYSMS_REPORT, inbox_id, PROVIDER)
    return JSONResponse({"received": True, "duplicate": not is_new})
