"""The scripts of the embeddable booking flow: `/embed.js` (the host page's "Book online" button
and overlay) and `/embed/frame.js` (loaded by the /embed page inside the frame).

Plain ES5 files next to this module, no build step. `/embed.js` gets its labels from the i18n
catalogs (English and Greek, chosen by the host page's `<html lang>`) and the default accent.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from hub_app.domain.embedding.rules import DEFAULT_ACCENT
from hub_app.i18n import SUPPORTED_LOCALES, t

HERE = Path(__file__).resolve().parent
JAVASCRIPT = "text/javascript; charset=utf-8"
# Short: a fixed script should reach every host page soon after a release.
CACHE = "public, max-age=300"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def host_script() -> bytes:
    labels = {locale: {"button": t("embed.button", locale), "close": t("embed.close", locale),
                       "dialog": t("embed.dialog", locale)} for locale in SUPPORTED_LOCALES}
    source = (HERE / "embed.js").read_text(encoding="utf-8")
    source = source.replace("__LABELS__", json.dumps(labels, ensure_ascii=False))
    return source.replace("__DEFAULT_ACCENT__", json.dumps(DEFAULT_ACCENT)).encode("utf-8")


@lru_cache(maxsize=1)
def frame_script() -> bytes:
    return (HERE / "frame.js").read_bytes()


@router.get("/embed.js")
def embed_js() -> Response:
    # Loaded by other sites' pages with a plain <script src>: no CORS needed, and no cookies used.
    return Response(host_script(), media_type=JAVASCRIPT,
                    headers={"Cache-Control": CACHE, "Cross-Origin-Resource-Policy": "cross-origin"})


@router.get("/embed/frame.js")
def embed_frame_js() -> Response:
    return Response(frame_script(), media_type=JAVASCRIPT, headers={"Cache-Control": CACHE})
