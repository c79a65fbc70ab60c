"""The <head> tags that make a store's page findable and previewable before any script runs:
title, description, canonical URL, OpenGraph and Twitter cards, and schema.org `LocalBusiness`
JSON-LD with the address, opening hours and services with their prices.

Everything a store typed is escaped for where it lands: HTML attributes and text with
`html.escape`, the JSON-LD with `<`, `>` and `&` as JSON escapes, so a name such as
`</script><script>` stays text.
"""

from __future__ import annotations

import html
import json

from hub_app.domain.scheduling.models import PriceType, Service
from hub_app.domain.stores.public import StoreFacts, postal_address, summary_line
from hub_app.i18n import t

DESCRIPTION_LENGTH = 160
SCHEMA_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# UN/CEFACT codes schema.org's unitCode expects, for prices that are not per booking.
PRICE_UNITS = {PriceType.PER_HOUR: "HUR", PriceType.PER_PERSON: "IE"}


def _shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def description_of(facts: StoreFacts) -> str:
    return summary_line(facts.store, [s.name for s in facts.services], DESCRIPTION_LENGTH)


def photo_urls(facts: StoreFacts, base_url: str) -> list[str]:
    return [f"{base_url}/uploads/{p.path.lstrip('/')}" for p in facts.photos]


def _offer(service: Service, currency: str, page_url: str) -> dict:
    offer: dict = {
        "@type": "Offer",
        "itemOffered": {"@type": "Service", "name": service.name},
        "price": f"{service.base_price_amount:.2f}",
        "priceCurrency": currency,
        "url": f"{page_url}/book?service={service.id}",
    }
    if service.description:
        offer["itemOffered"]["description"] = _shorten(service.description, 300)
    unit = PRICE_UNITS.get(service.price_type)
    if unit:
        offer["priceSpecification"] = {"@type": "UnitPriceSpecification", "price": offer["price"],
                                       "priceCurrency": currency, "unitCode": unit}
    return offer


def structured_data(facts: StoreFacts, page_url: str, base_url: str) -> dict:
    """schema.org LocalBusiness for the store at `page_url`."""
    store = facts.store
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": page_url + "#business",
        "name": store.name,
        "url": page_url,
        "description": description_of(facts),
    }
    images = photo_urls(facts, base_url)
    if images:
        data["image"] = images
    if store.phone_number:
        data["telephone"] = store.phone_number
    if store.email:
        data["email"] = store.email
    if postal_address(store):
        address = {"@type": "PostalAddress"}
        for key, value in (("streetAddress", store.address), ("addressLocality", store.city),
                           ("addressCountry", store.country)):
            if value and value.strip():
                address[key] = value.strip()
        data["address"] = address
    data["openingHoursSpecification"] = [
        {"@type": "OpeningHoursSpecification", "dayOfWeek": f"https://schema.org/{SCHEMA_DAYS[day.weekday]}",
         "opens": f"{start:%H:%M}", "closes": f"{end:%H:%M}"}
        for day in facts.hours for start, end in day.windows
    ]
    if facts.services:
        data["makesOffer"] = [_offer(s, store.currency, page_url) for s in facts.services]
    return data


def json_for_script(data: dict) -> str:
    """JSON that cannot end its <script> element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _meta(attribute: str, name: str, content: str) -> str:
    return f'<meta {attribute}="{name}" content="{html.escape(content, quote=True)}"/>'


def store_head(facts: StoreFacts, base_url: str) -> str:
    """The tags for the page of `facts.store` at `{base_url}/{slug}`."""
    store = facts.store
    page_url = f"{base_url}/{store.slug}"
    title = t("title.store", store.locale, name=store.name)
    description = description_of(facts)
    images = photo_urls(facts, base_url)
    tags = [
        f"<title>{html.escape(title)}</title>",
        _meta("name", "description", description),
        f'<link rel="canonical" href="{html.escape(page_url, quote=True)}"/>',
        _meta("property", "og:type", "business.business"),
        _meta("property", "og:title", title),
        _meta("property", "og:description", description),
        _meta("property", "og:url", page_url),
        _meta("property", "og:site_name", t("app.name", store.locale)),
        _meta("property", "og:locale", "el_GR" if store.locale == "el" else "en_US"),
        _meta("name", "twitter:card", "summary_large_image" if images else "summary"),
        _meta("name", "twitter:title", title),
        _meta("name", "twitter:description", description),
    ]
    if images:
        tags += [_meta("property", "og:image", images[0]), _meta("name", "twitter:image", images[0])]
        alt = facts.photos[0].caption or store.name
        tags += [_meta("property", "og:image:alt", alt), _meta("name", "twitter:image:alt", alt)]
    tags.append(f'<script type="application/ld+json">{json_for_script(structured_data(facts, page_url, base_url))}</script>')
    return "".join(tags)


def missing_store_head() -> str:
    """An unknown or closed store: a plain title, and no indexing of the address."""
    return (f"<title>{html.escape(t('title.store_missing', 'en'))}</title>"
            '<meta name="robots" content="noindex"/>')
