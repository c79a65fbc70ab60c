"""GET /feeds/<token>.ics: a calendar's (or a store's) bookings for calendar apps to subscribe to.

No login: the long random token is the credential (revocable on the dashboard). An unknown or
revoked token answers 404 with no detail, the same for both, so tokens cannot be probed.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from hub_app import db as hub_db
from hub_app.domain.calendar_sync.feeds import find_feed, render_feed
from hub_app.domain.errors import NotFound
from hub_app.domain.tenancy import TenantContext

router = APIRouter(include_in_schema=False)


@router.get("/feeds/{token}.ics")
def calendar_feed(token: str) -> Response:
    # A plain `def`: FastAPI runs it in a thread, the database calls do not block the loop.
    try:
        with hub_db.unit_of_work(TenantContext.system()) as db:
            feed = find_feed(db, token[:200])
            store_id = feed.store_id
            db.expunge(feed)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404)
    with hub_db.unit_of_work(TenantContext.system(store_id)) as db:
        body = render_feed(db, feed)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"})
