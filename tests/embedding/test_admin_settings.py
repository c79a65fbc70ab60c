"""The admin edits a store's embedding sites and colour through the same rules as the manager."""

from __future__ import annotations

import html
import json

from hub_app.domain.stores.models import Store
from tests.admin.conftest import admin_client, admin_user, client, fetch, shop  # noqa: F401  (fixtures)

FORM = {"name": "Salon Kifisia", "slug": "salon-kifisia", "timezone": "Europe/Athens", "locale": "el",
        "currency": "EUR", "cancellation_cutoff_hours": "12", "min_notice_minutes": "30",
        "booking_horizon_days": "90", "payment_hold_minutes": "15", "reminder_hours_before": "24",
        "is_active": "y", "current_subscription_plan_id": "", "save": "Save"}


def test_the_admin_sets_sites_and_colour_and_a_bad_site_is_named(admin_client, shop):  # noqa: F811
    store, _, _ = shop
    page = admin_client.get(f"/admin/store/edit/{store.id}")
    assert page.status_code == 200 and 'name="embed_domains"' in page.text and 'name="embed_accent_color"' in page.text
    bad = admin_client.post(f"/admin/store/edit/{store.id}",
                            data={**FORM, "embed_domains": json.dumps(["https://salon.example/book"]),
                                  "embed_accent_color": ""})
    assert bad.status_code == 400
    assert "https://salon.example/book: only the site&#39;s address" in bad.text or \
        "https://salon.example/book: only the site's address" in html.unescape(bad.text)
    assert fetch(Store, store.id).embed_domains == []
    good = admin_client.post(f"/admin/store/edit/{store.id}",
                             data={**FORM, "embed_domains": json.dumps(["HTTPS://Salon.Example/"]),
                                   "embed_accent_color": "#AbC"}, follow_redirects=False)
    assert good.status_code == 302, good.text
    row = fetch(Store, store.id)
    assert row.embed_domains == ["https://salon.example"] and row.embed_accent_color == "#aabbcc"
