"""The small adapter pieces of the dashboard: /uploads serving photos, and how typed forms
(weekly hours, a service) are turned into the domain's input."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from starlette.testclient import TestClient

from hub_app.domain.errors import ValidationFailed
from hub_app.manage.calendars.present import parse_ranges
from hub_app.manage.services.present import service_input
from hub_app.settings import reset_settings_cache


def test_uploaded_files_are_served_at_uploads(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path))
    reset_settings_cache()
    try:
        (tmp_path / "stores" / "7").mkdir(parents=True)
        picture = io.BytesIO()
        Image.new("RGB", (10, 10)).save(picture, "PNG")
        (tmp_path / "stores" / "7" / "a.png").write_bytes(picture.getvalue())
        from hub_app.api.app import create_api

        with TestClient(create_api()) as client:
            found = client.get("/uploads/stores/7/a.png")
            assert found.status_code == 200 and found.headers["content-type"] == "image/png"
            assert found.content == picture.getvalue()
            assert client.get("/uploads/stores/7/missing.png").status_code == 404
            assert client.get("/uploads/../settings.py").status_code == 404
    finally:
        reset_settings_cache()


def test_uploads_answer_404_before_the_directory_exists_and_never_500(tmp_path, monkeypatch):
    uploads = tmp_path / "uploads"  # a fresh deployment: no photo uploaded yet, no directory
    monkeypatch.setenv("UPLOAD_DIR", str(uploads))
    reset_settings_cache()
    try:
        from hub_app.api.app import create_api

        probes = ["/uploads/stores/7/a.png", "/uploads/", "/uploads/a%00b", "/uploads/" + "a" * 5000,
                  "/uploads/loop/a.png", "/uploads/stores/7/a.png/x"]
        with TestClient(create_api(), raise_server_exceptions=False) as client:
            assert [client.get(p).status_code for p in probes] == [404] * len(probes)
            (uploads / "stores" / "7").mkdir(parents=True)   # the first photo arrives
            (uploads / "stores" / "7" / "a.png").write_bytes(b"\x89PNG")
            (uploads / "loop").symlink_to(uploads / "loop")   # stat() fails with ELOOP
            assert client.get("/uploads/stores/7/a.png").status_code == 200
            assert [client.get(p).status_code for p in probes[1:]] == [404] * (len(probes) - 1)
    finally:
        reset_settings_cache()


def test_weekly_hours_text_becomes_ranges():
    assert parse_ranges("09:00-13:00, 17:00 – 21:00", "day0", "en") == [("09:00", "13:00"), ("17:00", "21:00")]
    assert parse_ranges("9:30-12:00", "day0", "en") == [("09:30", "12:00")]
    assert parse_ranges("  ", "day0", "en") == []
    with pytest.raises(ValidationFailed) as refused:
        parse_ranges("nine to five", "day3", "el")
    assert set(refused.value.fields) == {"day3"} and "09:00-13:00" in refused.value.message


def test_service_form_becomes_the_scheduling_input():
    form = {"name": "Cut", "duration_minutes": "45", "price_type": "per_person", "base_price_amount": "12,50",
            "min_persons": "1", "max_persons": "3", "capacity_persons": "", "slot_step_minutes": "15",
            "available_from": "2031-01-01", "cal_4": "on", "cal_9": "on", "cal_x": "on", "payment_enabled": "on",
            "advance_payment_type": "percent", "advance_payment_amount": "30"}
    data = service_input(form, "en", stripe_enabled=False)
    assert data.duration_minutes == 45 and data.base_price_amount == "12.50" and data.capacity_persons is None
    assert data.calendar_ids == [4, 9] and data.slot_step_minutes == 15 and str(data.available_from) == "2031-01-01"
    # Payment settings are only read when the admin enabled Stripe for the store.
    assert data.payment_enabled is False and data.advance_payment_type is None
    paid = service_input(form, "en", stripe_enabled=True)
    assert paid.payment_enabled is True and paid.advance_payment_type == "percent" and paid.advance_payment_amount == "30"
    with pytest.raises(ValidationFailed) as refused:
        service_input({**form, "duration_minutes": "an hour"}, "en", stripe_enabled=False)
    assert set(refused.value.fields) == {"duration_minutes"}
