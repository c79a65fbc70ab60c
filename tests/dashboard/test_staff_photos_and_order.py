"""A person's (calendar's) photo, through the calendars section's present functions: checked and
thumbnailed like store photos, replaced and removed with the files following the commit, shown to
clients; and the rule and order the section edits."""

from __future__ import annotations

from PIL import Image

from hub_app.db import unit_of_work
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.scheduling.staff import bookable_people
from hub_app.domain.tenancy import TenantContext
from hub_app.manage.calendars import staff_present
from tests.bookings.helpers import build_shop
from tests.dashboard.test_photos_and_messages import image_bytes, uploads  # noqa: F401 (fixture)

import pytest


def test_photo_upload_replace_remove_and_what_clients_see(committed_engine, uploads):  # noqa: F811
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, calendars=2)
        other = build_shop(db)
    ctx, anna = shop.manager_ctx, shop.calendars[0].id
    staff_present.upload_photo(ctx, anna, image_bytes("PNG", size=(900, 600)))
    row = next(p for p in staff_present.staff_settings(ctx)["people"] if p["id"] == str(anna))
    assert row["photo"].startswith(f"/uploads/calendars/{shop.store.id}/") and row["photo"].endswith("_thumb.png")
    first = uploads / row["photo"].removeprefix("/uploads/")
    with Image.open(first) as thumb:
        assert max(thumb.size) <= 256
    with unit_of_work(shop.anonymous()) as db:
        people = bookable_people(db, shop.anonymous(), shop.service.id)
    assert people[0].photo_url == row["photo"] and people[1].photo_url is None

    staff_present.upload_photo(ctx, anna, image_bytes("JPEG"))
    assert not first.exists()                      # the replaced photo's files go once committed
    with pytest.raises(ValidationFailed):
        staff_present.upload_photo(ctx, anna, b"GIF89a not a photo")
    with pytest.raises(NotFound):
        staff_present.upload_photo(ctx, other.calendars[0].id, image_bytes("JPEG"))
    staff_present.remove_photo(ctx, anna)
    assert all(p["photo"] == "" for p in staff_present.staff_settings(ctx)["people"])
    assert not any(uploads.rglob("*.jpg"))


def test_rule_and_order_from_the_section(committed_engine):
    with unit_of_work(TenantContext.system()) as db:
        shop = build_shop(db, calendars=3)
    ctx = shop.manager_ctx
    assert staff_present.staff_settings(ctx)["rule"] == "least_busy"
    staff_present.set_rule(ctx, "round_robin")
    staff_present.move(ctx, shop.calendars[2].id, -5)
    found = staff_present.staff_settings(ctx)
    assert found["rule"] == "round_robin"
    assert [p["id"] for p in found["people"]] == [str(c.id) for c in (shop.calendars[2], shop.calendars[0],
                                                                         shop.calendars[1])]
    with pytest.raises(ValidationFailed):
        staff_present.set_rule(ctx, "whoever")
