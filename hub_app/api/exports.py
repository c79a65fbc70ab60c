"""GET /exports/<token>: a dashboard's CSV export, streamed (hub_app/domain/reporting/export_links.py).

The signed token is the credential, made by the dashboard for a signed-in manager or admin and
valid for two minutes; the user is read again here. A bad, expired or no longer allowed token
answers 404 with no detail. Rows are written one page at a time inside one unit of work, so memory
stays flat however long the export is; a refused export (period or size) is a 422 before any row.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from hub_app import db as hub_db
from hub_app.domain.errors import DomainError, NotFound
from hub_app.domain.reporting.export_links import (
    ExportLink, check_export, export_chunks, export_context, read_export_link,
)
from hub_app.domain.tenancy import TenantContext

router = APIRouter(include_in_schema=False)


@router.get("/exports/{token}")
def csv_export(token: str) -> Response:
    # A plain `def`: FastAPI runs it in a thread, and the streamed body's pages are read in
    # threads too (Starlette iterates a plain iterator in its thread pool).
    try:
        ctx, link = open_export(token)
    except NotFound:
        return PlainTextResponse("Not found", status_code=404)
    except DomainError as exc:
        return PlainTextResponse(exc.message, status_code=422)
    return StreamingResponse(csv_rows(ctx, link), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{link.filename}"',
        "Cache-Control": "no-store", "X-Robots-Tag": "noindex",
    })


def open_export(token: str) -> tuple[TenantContext, ExportLink]:
    """The link's user in its store, after every check the export makes before its first row."""
    link = read_export_link(token[:2000])
    with hub_db.unit_of_work(TenantContext.system()) as db:
        ctx = export_context(db, link)
    with hub_db.unit_of_work(ctx) as db:
        check_export(db, ctx, link)
    return ctx, link


def csv_rows(ctx: TenantContext, link: ExportLink) -> Iterator[bytes]:
    """The export's bytes, one page of rows at a time, read in one unit of work."""
    with hub_db.unit_of_work(ctx) as db:
        for chunk in export_chunks(db, ctx, link):
            yield chunk.encode("utf-8")
