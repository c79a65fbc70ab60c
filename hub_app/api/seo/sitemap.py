"""`/sitemap.xml` (the home page and every active store's page, with when each last changed)
and `/robots.txt` (store pages open to crawlers; the back office, dashboard, API, accounts and
one-time links closed; where the sitemap is)."""

from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import escape

from fastapi import APIRouter
from starlette.responses import PlainTextResponse, Response

from hub_app.db import unit_of_work
from hub_app.domain.stores.directory import active_store_pages
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import get_settings

router = APIRouter()

CLOSED_TO_CRAWLERS = (
    "/admin", "/manage", "/api", "/account", "/webhooks", "/feeds", "/set-password", "/forgot-password",
    "/confirm-email", "/invite",
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# What one sitemap file may hold (sitemaps.org); beyond it an index of several files is needed.
SITEMAP_MAX_URLS = 50_000


def _base_url() -> str:
    return get_settings().public_base_url.rstrip("/")


def _lastmod(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def sitemap_xml(base_url: str, pages: list[tuple[str, datetime | None]]) -> str:
    entries = []
    for path, modified in pages:
        lastmod = f"<lastmod>{_lastmod(modified)}</lastmod>" if modified else ""
        entries.append(f"<url><loc>{escape(base_url + path)}</loc>{lastmod}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">'
            + "".join(entries) + "</urlset>\n")


def sitemap() -> Response:
    # The store table is not tenant-scoped, but the services and photos that date a page are:
    # the sitemap reads them across stores.
    with unit_of_work(TenantContext.system()) as db:
        stores = active_store_pages(db)[: SITEMAP_MAX_URLS - 1]
    home_modified = max((s.last_modified for s in stores), default=None)
    pages = [("/", home_modified), *((f"/{s.slug}", s.last_modified) for s in stores)]
    return Response(sitemap_xml(_base_url(), pages), media_type="application/xml",
                    headers={"Cache-Control": "public, max-age=300"})


def robots() -> PlainTextResponse:
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in CLOSED_TO_CRAWLERS),
             "", f"Sitemap: {_base_url()}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines), headers={"Cache-Control": "public, max-age=3600"})


# Plain `def`s: FastAPI runs them in a thread, so the database read does not stall the loop.
router.add_api_route("/sitemap.xml", sitemap, methods=["GET", "HEAD"], include_in_schema=False)
router.add_api_route("/robots.txt", robots, methods=["GET", "HEAD"], include_in_schema=False)
