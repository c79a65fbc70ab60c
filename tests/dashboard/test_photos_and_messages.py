"""Photo uploads (content sniffing, size limit, thumbnails, order, delete) and the automated
message settings and history."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image

from hub_app.db import unit_of_work
from hub_app.domain.errors import NotFound, PermissionDenied, ValidationFailed
from hub_app.domain.notifications.models import Channel, NotificationKind
from hub_app.domain.notifications.outbox import Recipients, queue_manual
from hub_app.domain.notifications.settings import (
    message_history,
    message_settings,
    reset_template,
    save_template,
    set_automated_enabled,
)
from hub_app.domain.notifications.templates import channel_enabled, wording_for
from hub_app.domain.stores.photos import (
    add_photo,
    delete_photo,
    list_photos,
    move_photo,
    reorder_photos,
    sniff_image_type,
)
from hub_app.domain.tenancy import TenantContext
from hub_app.settings import reset_settings_cache
from tests.dashboard.helpers import MONDAY, act, add_booking, as_manager, client, two_shops
from tests.factories import make_store


def image_bytes(fmt: str, size=(1200, 800), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("UPLOAD_MAX_BYTES", str(400_000))
    reset_settings_cache()
    yield tmp_path / "uploads"
    reset_settings_cache()


def test_sniffing_looks_at_the_content_not_the_name():
    assert sniff_image_type(image_bytes("JPEG")) == "image/jpeg"
    assert sniff_image_type(image_bytes("PNG")) == "image/png"
    assert sniff_image_type(image_bytes("WEBP")) == "image/webp"
    assert sniff_image_type(image_bytes("GIF")) is None
    assert sniff_image_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_an_upload_is_stored_with_a_thumbnail(db, uploads, fmt, ext):
    a, _ = two_shops(db)
    ctx = as_manager(db, a)
    photo = add_photo(db, ctx, image_bytes(fmt), caption="  The front desk ")
    assert photo.path.endswith("." + ext) and photo.path.startswith(f"stores/{a.store.id}/")
    assert photo.caption == "The front desk" and photo.position == 0
    with Image.open(uploads / photo.thumbnail_path) as thumb:
        assert max(thumb.size) <= 480 and thumb.format == fmt
    with Image.open(uploads / photo.path) as full:
        assert full.size == (1200, 800)


def test_wrong_types_damaged_files_and_big_files_are_refused(db, uploads):
    a, _ = two_shops(db)
    ctx = as_manager(db, a)
    for data in (image_bytes("GIF"), b"GIF89a not really", b"", b"\xff\xd8\xff" + b"\x00" * 100):
        with pytest.raises(ValidationFailed) as refused:
            add_photo(db, ctx, data)
        assert "photo" in refused.value.fields
    noisy = Image.frombytes("RGB", (700, 700), random.Random(7).randbytes(700 * 700 * 3))
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 400_000
    with pytest.raises(ValidationFailed, match="MB"):
        add_photo(db, ctx, out.getvalue())
    assert list_photos(db, ctx) == []


def test_order_delete_and_no_reach_into_another_store(db, uploads):
    a, b = two_shops(db)
    ctx_b = as_manager(db, b)
    theirs = add_photo(db, ctx_b, image_bytes("PNG"))
    ctx = as_manager(db, a)
    first, second, third = (add_photo(db, ctx, image_bytes("JPEG")) for _ in range(3))
    assert [p.id for p in move_photo(db, ctx, third.id, -2)] == [third.id, first.id, second.id]
    assert [p.id for p in reorder_photos(db, ctx, [second.id, third.id, first.id])] == [second.id, third.id, first.id]
    with pytest.raises(NotFound):
        reorder_photos(db, ctx, [second.id, third.id, first.id, theirs.id])
    with pytest.raises(NotFound):
        delete_photo(db, ctx, theirs.id)
    with pytest.raises(NotFound):
        move_photo(db, ctx, theirs.id, 1)
    delete_photo(db, ctx, second.id)
    assert [p.id for p in list_photos(db, ctx)] == [third.id, first.id]


def test_deleted_files_go_only_when_the_deletion_commits(committed_engine, uploads):
    with unit_of_work(TenantContext.system()) as db:
        store, manager = make_store(db)
    ctx = TenantContext.for_user(manager)
    with unit_of_work(ctx) as db:
        photo = add_photo(db, ctx, image_bytes("JPEG"))
    files = [uploads / photo.path, uploads / photo.thumbnail_path]
    assert all(f.exists() for f in files)
    with pytest.raises(RuntimeError), unit_of_work(ctx) as db:
        delete_photo(db, ctx, photo.id)
        raise RuntimeError("the transaction fails after the delete")
    assert all(f.exists() for f in files)
    with pytest.raises(RuntimeError), unit_of_work(ctx) as db:
        failed = add_photo(db, ctx, image_bytes("PNG"))
        raise RuntimeError("the upload's transaction fails")
    assert not (uploads / failed.path).exists()
    with unit_of_work(ctx) as db:
        delete_photo(db, ctx, photo.id)
    assert not any(f.exists() for f in files)


def test_clients_cannot_upload(db, uploads):
    a, _ = two_shops(db)
    person = client(db)
    ctx = TenantContext.for_user(person, a.store.id)
    act(db, ctx)
    with pytest.raises(PermissionDenied):
        add_photo(db, ctx, image_bytes("JPEG"))


def _view(views, kind, channel, locale):
    return next(v for v in views if (v.kind, v.channel, v.locale) == (kind, channel, locale))


def test_templates_default_custom_reset_and_switches(db):
    a, b = two_shops(db)
    ctx = as_manager(db, a)
    views = message_settings(db, ctx)
    assert len(views) == 4 * 2 * 2
    reminder_sms_el = _view(views, "reminder", "sms", "el")
    assert reminder_sms_el.enabled and not reminder_sms_el.is_custom and "Υπενθύμιση" in reminder_sms_el.body
    save_template(db, ctx, "reminder", "sms", "el", None, "Γεια {first_name}, σας περιμένουμε στις {time}.")
    assert wording_for(db, NotificationKind.REMINDER, Channel.SMS, "el").body.startswith("Γεια {first_name}")
    assert wording_for(db, NotificationKind.REMINDER, Channel.SMS, "en").body.startswith("Reminder from")
    with pytest.raises(ValidationFailed) as refused:
        save_template(db, ctx, "reminder", "email", "en", "", "Hi {nickname}")
    assert set(refused.value.fields) == {"subject", "body"}
    with pytest.raises(ValidationFailed):
        save_template(db, ctx, "manual", "sms", "en", None, "Hi")
    set_automated_enabled(db, ctx, "reminder", "sms", False)
    assert not channel_enabled(db, NotificationKind.REMINDER, Channel.SMS)
    assert channel_enabled(db, NotificationKind.REMINDER, Channel.EMAIL)
    views = message_settings(db, ctx)
    assert not _view(views, "reminder", "sms", "en").enabled
    assert _view(views, "reminder", "sms", "el").is_custom
    set_automated_enabled(db, ctx, "reminder", "sms", True)
    assert channel_enabled(db, NotificationKind.REMINDER, Channel.SMS)
    assert _view(message_settings(db, ctx), "reminder", "sms", "el").is_custom  # the own words stay
    reset_template(db, ctx, "reminder", "sms", "el")
    assert not _view(message_settings(db, ctx), "reminder", "sms", "el").is_custom
    # Store B never sees A's switches or words.
    ctx_b = as_manager(db, b)
    assert all(v.enabled and not v.is_custom for v in message_settings(db, ctx_b))


def test_history_shows_messages_of_this_store_with_status(db):
    a, b = two_shops(db)
    eleni = client(db)
    add_booking(db, a, MONDAY, "09:00", who=eleni)
    add_booking(db, b, MONDAY, "09:00", who=eleni)
    ctx_b = as_manager(db, b)
    queue_manual(db, ctx_b, Recipients.one(eleni.id), Channel.SMS, None, "From B")
    ctx = as_manager(db, a)
    queue_manual(db, ctx, Recipients.one(eleni.id), Channel.SMS, None, "Hello {first_name}")
    rows, total = message_history(db, ctx)
    assert total == 1 and rows[0].body == f"Hello {eleni.first_name}" and rows[0].status == "pending"
    assert rows[0].channel == "sms" and rows[0].kind == "manual"
    assert message_history(db, ctx, status="delivered")[1] == 0
    with pytest.raises(ValidationFailed):
        message_history(db, ctx, status="lost")
