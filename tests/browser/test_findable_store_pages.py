"""What a crawler or a link preview gets from the production server, before any script runs:
the raw HTML of `/<slug>` (title, description, canonical, OpenGraph/Twitter, LocalBusiness
JSON-LD), `/sitemap.xml` and `/robots.txt`. Plain HTTP, no browser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser

import httpx
import pytest

from tests.browser.client_seed import make_salon, rename_slug
from tests.browser.public_pages_seed import add_store_photo, change_store

EVIL = '</script><script>alert("x")</script><!--'


class Head(HTMLParser):
    """The title, the meta/link tags and the JSON-LD blocks of a page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.title: list[str] = []
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.tags: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "title":
            self._in = "title"
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in = "ld"
            self.json_ld.append("")
        elif tag == "meta" and ("name" in a or "property" in a):
            self.meta[a.get("name") or a["property"]] = a.get("content", "")
        elif tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href", "")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title.append(data)
        elif self._in == "ld":
            self.json_ld[-1] += data


@pytest.fixture(scope="module")
def http(live_app):
    with httpx.Client(base_url=live_app.base_url, timeout=20, follow_redirects=False) as client:
        yield client


@pytest.fixture(scope="module")
def salon(live_app, engine):
    store = make_salon(engine, prefix="findable")
    add_store_photo(engine, live_app.data_dir, store, caption="The front desk")
    add_store_photo(engine, live_app.data_dir, store)
    return store


def test_store_page_raw_html_carries_title_description_previews_and_canonical(http, live_app, salon):
    response = http.get(f"/{salon.slug}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-encoding"] == "gzip"     # httpx asks for it, as browsers do
    head = Head(response.text)
    page_url = f"{live_app.base_url}/{salon.slug}"
    assert head.title == [f"{salon.name} · Book online"]
    assert head.meta["description"] == "Cuts and small group yoga."
    assert head.links["canonical"] == page_url
    assert head.meta["og:title"] == head.meta["twitter:title"] == f"{salon.name} · Book online"
    assert head.meta["og:url"] == page_url and head.meta["og:description"] == "Cuts and small group yoga."
    image = head.meta["og:image"]
    assert image.startswith(f"{live_app.base_url}/uploads/stores/{salon.store_id}/") and image.endswith(".jpg")
    assert head.meta["twitter:image"] == image and head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:image:alt"] == "The front desk"
    assert http.get(image).status_code == 200          # the preview image really is there
    # Still the app: the built shell's scripts are all there to run the page.
    assert "window.__reactRouterContext" in response.text and 'src="/assets/' not in head.title[0]


def test_store_page_json_ld_is_a_local_business_with_address_hours_and_priced_services(http, live_app, salon):
    head = Head(http.get(f"/{salon.slug}").text)
    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "LocalBusiness"
    assert data["name"] == salon.name and data["url"] == f"{live_app.base_url}/{salon.slug}"
    assert data["address"] == {"@type": "PostalAddress", "streetAddress": "Kassaveti 5",
                               "addressLocality": "Kifisia", "addressCountry": "GR"}
    assert data["telephone"] == "+302106231234"
    assert len(data["image"]) == 2 and all(u.startswith(live_app.base_url + "/uploads/") for u in data["image"])
    hours = data["openingHoursSpecification"]
    assert [h["dayOfWeek"].rsplit("/", 1)[1] for h in hours] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert {(h["opens"], h["closes"]) for h in hours} == {("08:00", "20:00")}
    offers = {o["itemOffered"]["name"]: o for o in data["makesOffer"]}
    assert offers["Haircut"]["price"] == "25.00" and offers["Haircut"]["priceCurrency"] == "EUR"
    assert offers["Haircut"]["itemOffered"]["description"] == "Wash, cut and style."
    assert offers["Group yoga"]["price"] == "12.00"
    assert offers["Group yoga"]["priceSpecification"]["unitCode"] == "IE"   # per person
    assert offers["Haircut"]["url"] == f"{live_app.base_url}/{salon.slug}/book?service={salon.haircut_id}"


def test_a_store_name_cannot_break_out_of_the_head(http, engine, salon):
    store = make_salon(engine, prefix="escape")
    change_store(engine, store, {"description": "Plain words & more"})
    plain = http.get(f"/{store.slug}").text
    change_store(engine, store, {"name": EVIL, "description": EVIL + " & more"})
    text = http.get(f"/{store.slug}").text
    assert EVIL not in text
    # The same elements, head and plain-HTML page alike, as with a plain name: nothing the name
    # held became a tag.
    def elements(page: str) -> list[str]:
        return [tag for tag in Head(page).tags if tag != "meta"]

    assert elements(text) == elements(plain)
    assert "<h1>&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;!--</h1>" in text
    head = Head(text)
    assert head.title == [f"{EVIL} · Book online"]            # the parsed text is the name itself
    assert head.meta["og:title"] == f"{EVIL} · Book online"
    assert len(head.json_ld) == 1 and json.loads(head.json_ld[0])["name"] == EVIL
    assert json.loads(head.json_ld[0])["description"] == EVIL + " & more"


def test_unknown_and_inactive_stores_answer_404_without_store_data(http, engine):
    missing = http.get("/no-such-store-here")
    assert missing.status_code == 404
    head = Head(missing.text)
    assert head.title == ["Store not found · Appointment Hub"] and head.meta["robots"] == "noindex"
    assert head.json_ld == [] and "og:title" not in head.meta

    closed = make_salon(engine, prefix="closed")
    assert http.get(f"/{closed.slug}").status_code == 200
    change_store(engine, closed, {"is_active": False})
    answer = http.get(f"/{closed.slug}")
    assert answer.status_code == 404
    assert closed.name not in answer.text and "Kassaveti" not in answer.text


def test_an_old_address_redirects_permanently_to_the_current_one(http, engine):
    store = make_salon(engine, prefix="moving")
    rename_slug(engine, store, f"{store.slug}-new")
    answer = http.get(f"/{store.slug}?utm_source=card")
    assert answer.status_code == 301
    assert answer.headers["location"] == f"/{store.slug}-new?utm_source=card"
    assert http.get(f"/{store.slug.upper()}-NEW").headers["location"] == f"/{store.slug}-new"


def test_the_apps_own_pages_are_left_to_the_app(http):
    login = http.get("/login", follow_redirects=True)
    assert login.status_code == 200 and Head(login.text).title == ["Sign in · Appointment Hub"]
    home = Head(http.get("/").text)
    assert home.title == ["Appointment Hub · Find a store and book online"]
    assert "ld+json" not in http.get("/manage", follow_redirects=True).text


def test_sitemap_lists_home_and_every_active_store_with_lastmod(http, live_app, salon, engine):
    closed = make_salon(engine, prefix="gone")
    change_store(engine, closed, {"is_active": False})
    response = http.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    entries = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
               for u in root.findall("s:url", ns)}
    assert f"{live_app.base_url}/" in entries
    assert f"{live_app.base_url}/{salon.slug}" in entries
    assert f"{live_app.base_url}/{closed.slug}" not in entries
    for lastmod in entries.values():
        assert datetime.fromisoformat(lastmod).tzinfo is not None
    assert datetime.fromisoformat(entries[f"{live_app.base_url}/"]) >= datetime.fromisoformat(
        entries[f"{live_app.base_url}/{salon.slug}"])


def test_robots_allows_store_pages_closes_private_areas_and_names_the_sitemap(http, live_app):
    response = http.get("/robots.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    for path in ("/admin", "/manage", "/api", "/account"):
        assert f"Disallow: {path}" in lines
    assert f"Sitemap: {live_app.base_url}/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") and line.strip() == "Disallow: /" for line in lines)
