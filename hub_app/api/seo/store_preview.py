"""The store page as plain HTML, painted before the app's scripts run.

The built app paints nothing until its JavaScript (some 400 KB) has loaded, run and asked the
server for the store: on a mid-range phone over a slow connection that is three to four seconds
of a blank screen. The raw answer to `GET /<slug>` therefore carries this markup too: the page's
header, the store's name, address, contact line, description, photos, services (with working
"Book" links) and opening hours, in the store's language, with its own small stylesheet.

It lies over the app (absolutely placed, so nothing below it moves) until the app shows the store
itself (`#store-name`) or its not-found view; then its own script removes it. Without JavaScript,
or while the app cannot reach the server, it stays: a readable page with links that work. React
leaves it alone while hydrating (React 19 skips elements it did not render in <body>).
"""

from __future__ import annotations

from html import escape

from babel.dates import get_day_names

from hub_app.domain.stores.public import StoreFacts, map_search_url, postal_address
from hub_app.domain.stores.service_labels import hours_facts, persons_label, price_label, service_facts
from hub_app.i18n import normalize_locale, t

PREVIEW_ID = "store-preview"
# The app's own elements that replace the preview (the store's heading, or "store not found").
APP_READY_SELECTOR = "#store-name,#not-found"

# Sizes follow the Radix theme the app uses (heading 8 = 35 px, 6 = 24 px, cards with 1 px
# borders and 8 px corners, the accent #00796b of assets/theme.css), so the hand-over to the
# app is not a jump. System colours follow the reader's light or dark appearance.
_STYLE = """
#store-preview{position:absolute;top:0;left:0;right:0;min-height:100vh;z-index:1;color-scheme:light dark;
background:Canvas;color:CanvasText;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,
"Helvetica Neue",system-ui,sans-serif;font-size:16px;line-height:1.5}
#store-preview *{box-sizing:border-box}
#store-preview a{color:#006b5e}
#store-preview .sp-bar,#store-preview main{max-width:960px;margin:0 auto;padding:0 1em}
#store-preview .sp-bar{display:flex;justify-content:space-between;align-items:center;padding-top:.75em;
padding-bottom:.75em}
#store-preview .sp-home{font-weight:700;font-size:18px;text-decoration:none;color:inherit}
#store-preview main{padding-top:1.5em;padding-bottom:1.5em;display:flex;flex-direction:column;gap:32px}
#store-preview h1{font-size:35px;line-height:40px;margin:0 0 8px;letter-spacing:-.01em}
#store-preview h2{font-size:24px;line-height:30px;margin:0 0 12px}
#store-preview h3{font-size:18px;line-height:26px;margin:0}
#store-preview p{margin:0 0 8px}
#store-preview .sp-muted{opacity:.8;font-size:14px}
#store-preview .sp-photos{display:grid;grid-template-columns:1fr;gap:12px}
@media (min-width:520px){#store-preview .sp-photos{grid-template-columns:repeat(3,1fr)}}
#store-preview .sp-photos img{display:block;width:100%;height:180px;object-fit:cover;border-radius:8px}
#store-preview .sp-card{border:1px solid rgba(128,128,128,.35);border-radius:8px;padding:16px;margin-bottom:12px;
display:flex;flex-wrap:wrap;justify-content:space-between;gap:12px}
#store-preview .sp-price{font-weight:700;font-size:18px;margin:0 0 8px}
#store-preview .sp-book{display:inline-block;background:#00796b;color:#fff;border-radius:6px;padding:8px 16px;
text-decoration:none;font-weight:500}
#store-preview table{border-collapse:collapse}
#store-preview th{text-align:left;font-weight:500;padding-right:2em;line-height:1.9}
"""

_HANDOVER = (
    "<script>(function(){var p=document.getElementById('" + PREVIEW_ID + "');"
    "function done(){if(document.querySelector('" + APP_READY_SELECTOR + "')){p.remove();return true}}"
    "if(!done()){new MutationObserver(function(_,o){if(done())o.disconnect()})"
    ".observe(document.body,{childList:true,subtree:true})}})()</script>"
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _details(facts: StoreFacts, locale: str) -> str:
    store = facts.store
    parts = [f"<h1>{_e(store.name)}</h1>"]
    address = postal_address(store)
    if address:
        map_url = map_search_url(store)
        link = (f' · <a href="{_e(map_url)}" rel="noopener noreferrer" target="_blank">'
                f'{_e(t("store.map_link", locale))}</a>') if map_url else ""
        parts.append(f"<p>{_e(address)}{link}</p>")
    contact = " · ".join(v for v in (store.phone_number or "", store.email or "") if v)
    if contact:
        parts.append(f'<p class="sp-muted">{_e(contact)}</p>')
    if store.description:
        parts.append(f'<p style="white-space:pre-line">{_e(store.description)}</p>')
    return "<div>" + "".join(parts) + "</div>"


def _photos(facts: StoreFacts) -> str:
    if not facts.photos:
        return ""
    images = []
    for index, photo in enumerate(facts.photos):
        src = "/uploads/" + (photo.thumbnail_path or photo.path).lstrip("/")
        # The first photo is what a phone shows first: fetched at once, ahead of the scripts.
        loading = 'fetchpriority="high"' if index == 0 else 'loading="lazy"'
        images.append(f'<a href="/uploads/{_e(photo.path.lstrip("/"))}"><img src="{_e(src)}" '
                      f'alt="{_e(photo.caption or facts.store.name)}" width="480" height="180" {loading} '
                      'decoding="async"></a>')
    return '<div class="sp-photos">' + "".join(images) + "</div>"


def _services(facts: StoreFacts, locale: str) -> str:
    cards = []
    for service in facts.services:
        row = service_facts(service)
        description = f"<p>{_e(row['description'])}</p>" if row["description"] else ""
        line = t("store.duration_minutes", locale, minutes=row["duration"]) + " · " + persons_label(row, locale)
        href = f"/{facts.store.slug}/book?service={row['id']}"
        cards.append(
            f'<div class="sp-card"><div><h3>{_e(row["name"])}</h3>{description}'
            f'<p class="sp-muted">{_e(line)}</p></div>'
            f'<div><p class="sp-price">{_e(price_label(row, facts.store.currency, locale))}</p>'
            f'<a class="sp-book" href="{_e(href)}">{_e(t("store.book", locale))}</a></div></div>')
    body = "".join(cards) or f"<p>{_e(t('store.no_services', locale))}</p>"
    return f"<section><h2>{_e(t('store.services', locale))}</h2>{body}</section>"


def _hours(facts: StoreFacts, locale: str) -> str:
    if not facts.hours:
        return ""
    names = get_day_names("wide", locale=locale)
    rows = "".join(
        f"<tr><th scope=\"row\">{_e(names[day.weekday])}</th><td>"
        f"{_e(hours_facts(day)['windows'] or t('store.closed', locale))}"
        "</td></tr>"
        for day in facts.hours)
    return f"<section><h2>{_e(t('store.opening_hours', locale))}</h2><table><tbody>{rows}</tbody></table></section>"


def store_preview(facts: StoreFacts) -> str:
    """The preview's markup, its stylesheet and its hand-over script (goes last in <body>)."""
    locale = normalize_locale(facts.store.locale)
    return (
        f'<div id="{PREVIEW_ID}"><style>{_STYLE}</style>'
        f'<div class="sp-bar"><a class="sp-home" href="/">{_e(t("app.name", locale))}</a>'
        f'<a href="/login">{_e(t("nav.sign_in", locale))}</a></div>'
        f"<main>{_details(facts, locale)}{_photos(facts)}{_services(facts, locale)}{_hours(facts, locale)}</main>"
        f"</div>{_HANDOVER}"
    )
