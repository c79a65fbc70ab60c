"""What the manager copies onto their website: the iframe address and the script tag."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

SCRIPT_PATH = "/embed.js"


def embed_url(base_url: str, slug: str, service_id: int | None = None) -> str:
    """The booking wizard without the site around it, for an iframe of the store's own."""
    query = f"?{urlencode({'service': service_id})}" if service_id else ""
    return f"{base_url.rstrip('/')}/embed/{slug}{query}"


def iframe_tag(base_url: str, slug: str, title: str) -> str:
    return (f'<iframe src="{escape(embed_url(base_url, slug))}" title="{escape(title)}" '
            'style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>')


def script_tag(base_url: str, slug: str, accent_color: str | None = None) -> str:
    """A "Book online" button where the tag stands, opening the wizard over the page.
    `data-accent` is optional: without it the store's own colour is used."""
    accent = f' data-accent="{escape(accent_color)}"' if accent_color else ""
    return (f'<script src="{escape(base_url.rstrip("/") + SCRIPT_PATH)}" '
            f'data-store="{escape(slug)}"{accent} async></script>')
