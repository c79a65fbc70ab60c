"""`GET /<slug>` with the store's head tags in the raw HTML (production server).

Reflex renders pages in the browser: the built app answers a store's address with one static
shell without any title. This wrapper sits in front of Reflex's ASGI app and, for a path that can
be a store page, answers with that same shell plus the store's tags (`store_head`) and the page
as plain HTML until the app has loaded (`store_preview`): 200 for an active store, a permanent
redirect from an old slug, and 404 with a neutral title for an unknown or inactive one (the page
then shows its "store not found" view as before). Every other request, and every request while
no build exists (development), goes to Reflex untouched.
"""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub_app.api.seo.deferred_boot import defer_boot
from hub_app.api.seo.store_head import missing_store_head, store_head
from hub_app.api.seo.store_preview import store_preview
from hub_app.db import unit_of_work
from hub_app.domain.errors import NotFound
from hub_app.domain.stores.public import store_facts
from hub_app.domain.stores.service import get_store_by_slug
from hub_app.domain.tenancy import TenantContext
from hub_app.domain.validation import RESERVED_SLUGS
from hub_app.settings import get_settings

# One path segment that could be a slug (letter case is forgiven: the lookup lower-cases it and
# redirects to the store's address).
_SLUG_PATH = re.compile(r"^/([A-Za-z0-9][A-Za-z0-9-]{0,79})/?$")
# The built pages' folder and the shell Reflex answers dynamic routes with.
SHELL_NAME = "404.html"
# The tags go last in <head>, after everything the app renders there: while hydrating, React
# claims the first matching element for each of its own head elements, and an inline script of
# ours ahead of the app's theme script would be taken for it (a mismatch that makes React throw
# the server HTML away). `itemprop` keeps React from claiming our <title> as the page's own for
# the same reason; React adds its own <title> in the reader's language, and ours steps aside
# so the tab shows that one.
_TITLE_HANDOVER = (
    "<script>new MutationObserver(function(_,o){var s=document.querySelector('title[data-server]');"
    "if(!s){o.disconnect();return;}if(document.getElementsByTagName('title').length>1){s.remove();o.disconnect();}})"
    ".observe(document.head,{childList:true});</script>"
)


@lru_cache(maxsize=1)
def static_dir() -> Path:
    """Where the production build's pages are (fixed for the life of the process)."""
    # Imported here: the API app alone (tests, `bench.http_booking --server granian`) never needs Reflex.
    from reflex import constants
    from reflex.utils import prerequisites

    return (prerequisites.get_web_dir() / constants.Dirs.STATIC).resolve()


@lru_cache(maxsize=4)
def _read_shell(path: str, mtime_ns: int) -> str | None:
    text = Path(path).read_text(encoding="utf-8")
    return text if "</head>" in text else None


def built_shell() -> str | None:
    """The built app's shell, re-read when a new build replaces it; None without a build."""
    path = static_dir() / SHELL_NAME
    try:
        return _read_shell(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


@lru_cache(maxsize=4)
def deferred_shell(shell: str) -> str:
    """The shell with its scripts started after the first paint (`defer_boot`), rewritten once
    per build instead of on every store page request."""
    return defer_boot(shell)


def with_head(shell: str, tags: str) -> str:
    tags = tags.replace("<title>", '<title data-server="" itemprop="name">', 1) + _TITLE_HANDOVER
    return shell.replace("</head>", tags + "</head>", 1)


def with_preview(page: str, preview: str) -> str:
    """The store's page painted as plain HTML until the app shows it (`store_preview`)."""
    return page.replace("</body>", preview + "</body>", 1) if "</body>" in page else page


def slug_in(path: str) -> str | None:
    """The slug when `path` is `/<slug>` and no built page or app path owns it."""
    match = _SLUG_PATH.match(path)
    if not match:
        return None
    segment = match.group(1)
    if segment.lower() in RESERVED_SLUGS or (static_dir() / f"{segment}.html").exists():
        return None  # /login, /manage, /invite…: the app's own pages
    return segment


def html_response(text: str, status_code: int, accept_encoding: str) -> Response:
    """The page, gzip-compressed when the client takes it (as Reflex serves its built files)."""
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    body = text.encode("utf-8")
    if "gzip" in accept_encoding.lower():
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status_code, media_type="text/html; charset=utf-8", headers=headers)


def store_page_response(slug: str, query: str, shell: str, accept_encoding: str = "") -> Response:
    base_url = get_settings().public_base_url.rstrip("/")
    try:
        with unit_of_work(TenantContext.anonymous()) as db:
            store = get_store_by_slug(db, slug)
    except NotFound:
        return html_response(with_head(shell, missing_store_head()), 404, accept_encoding)
    if store.slug != slug:   # an old slug or other letter case: one address per store
        return RedirectResponse(f"/{store.slug}" + (f"?{query}" if query else ""), status_code=301)
    ctx = TenantContext.anonymous(store.id, locale=store.locale)
    with unit_of_work(ctx) as db:
        facts = store_facts(db, ctx, store)
    page = with_preview(with_head(deferred_shell(shell), store_head(facts, base_url)), store_preview(facts))
    return html_response(page, 200, accept_encoding)


class StorePageHeads:
    """ASGI wrapper around Reflex's app (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            slug = slug_in(scope["path"])
            shell = built_shell() if slug else None
            if slug and shell:
                query = scope.get("query_string", b"").decode("latin-1")
                accept = Headers(scope=scope).get("accept-encoding", "")
                response = await run_in_threadpool(store_page_response, slug, query, shell, accept)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


