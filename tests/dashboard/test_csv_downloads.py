"""The dashboard's CSV downloads over real HTTP: `GET /exports/<token>` streams what the signed
link names, for as long as the link lives and its user may still see the store."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from hub_app import db as hub_db
from hub_app.domain.accounts.models import AppUser
from hub_app.domain.bookings.listing import BookingFilters
from hub_app.domain.errors import ValidationFailed
from hub_app.domain.reporting import export_links
from hub_app.domain.reporting.exports import MAX_EXPORT_DAYS, bookings_csv, clients_csv
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.bookings import present as bookings_section
from hub_app.manage.clients import present as clients_section
from tests.bookings.helpers import build_shop
from tests.dashboard.helpers import MONDAY, add_booking, client
from tests.live_api import serve_api


@pytest.fixture
def shop(committed_engine):
    """A store with three bookings on three days (one far away), and another store with one."""
    with hub_db.unit_of_work(TenantContext.system()) as db:
        a, b = build_shop(db), build_shop(db)
        for days, who in ((0, client(db)), (1, client(db)), (3650, client(db))):
            add_booking(db, a, MONDAY + timedelta(days=days), "10:00", who=who)
        add_booking(db, b, MONDAY, "10:00", who=client(db, email="other-store@example.com"))
        return {"ctx": TenantContext.for_user(a.manager), "manager_id": a.manager.id}


@pytest.fixture
def http(committed_engine) -> Iterator[httpx.Client]:
    with serve_api() as base_url, httpx.Client(base_url=base_url, timeout=30) as web:
        yield web


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_bookings_download_streams_exactly_what_the_filters_select(shop, http):
    ctx = shop["ctx"]
    filters = BookingFilters(date_from=MONDAY, date_to=MONDAY + timedelta(days=1))
    path = bookings_section.export_link(ctx, filters)
    with http.stream("GET", path) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.headers["content-disposition"] == 'attachment; filename="bookings.csv"'
        assert answer.headers["cache-control"] == "no-store"
        body = b"".join(answer.iter_bytes()).decode("utf-8")
    with hub_db.unit_of_work(ctx) as db:
        assert body == bookings_csv(db, ctx, filters)  # the same text the page used to send whole
    header, *rows = _rows(body)
    assert header[0] == "id" and len(rows) == 2
    assert all("other-store@example.com" not in cell for row in rows for cell in row)


def test_the_clients_download_lists_this_stores_clients_only(shop, http):
    ctx = shop["ctx"]
    answer = http.get(clients_section.export_link(ctx, ""))
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="clients.csv"'
    with hub_db.unit_of_work(ctx) as db:
        assert answer.text == clients_csv(db, ctx)
    emails = {row[3] for row in _rows(answer.text)[1:]}
    assert len(emails) == 3 and "other-store@example.com" not in emails


def test_an_altered_or_expired_link_is_not_found(shop, http, monkeypatch):
    path = bookings_section.export_link(shop["ctx"], BookingFilters())
    assert http.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")).status_code == 404
    assert http.get("/exports/not-a-token").status_code == 404
    monkeypatch.setattr(export_links, "LINK_SECONDS", -1)  # every link is now past its age
    answer = http.get(path)
    assert answer.status_code == 404 and "id," not in answer.text


def test_a_link_dies_with_its_users_rights(shop, http):
    path = clients_section.export_link(shop["ctx"], "")
    assert http.get(path).status_code == 200
    with hub_db.unit_of_work(TenantContext.system()) as db:
        db.get(AppUser, shop["manager_id"]).is_active = False
    answer = http.get(path)
    assert answer.status_code == 404 and "@" not in answer.text


def test_a_period_too_long_is_refused_before_any_link_is_made(shop):
    too_long = BookingFilters(date_from=MONDAY, date_to=MONDAY + timedelta(days=MAX_EXPORT_DAYS + 1))
    with pytest.raises(ValidationFailed) as refused:
        bookings_section.export_link(shop["ctx"], too_long)
    assert "to" in refused.value.fields

