"""Data for the public-page tests: photos added through the dashboard's domain function into the
live app's upload folder, and store details changed as the admin would."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from sqlalchemy import Engine

from hub_app.db import unit_of_work
from hub_app.domain.stores.photos import add_photo
from hub_app.domain.stores.service import update_store
from hub_app.settings import get_settings
from tests.browser.client_seed import SeededStore, _admin_ctx


def jpeg(width: int = 1200, height: int = 800, colour=(40, 120, 110)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def add_store_photo(engine: Engine, data_dir: Path, store: SeededStore, caption: str | None = None) -> str:
    """Adds a photo as the store's manager would; returns its path under /uploads."""
    previous = os.environ.get("UPLOAD_DIR")
    os.environ["UPLOAD_DIR"] = str(data_dir / "uploads")   # where the live app serves /uploads from
    get_settings.cache_clear()
    try:
        ctx = _admin_ctx(engine).in_store(store.store_id)
        with unit_of_work(ctx, engine) as db:
            return add_photo(db, ctx, jpeg(), caption).path
    finally:
        if previous is None:
            os.environ.pop("UPLOAD_DIR", None)
        else:
            os.environ["UPLOAD_DIR"] = previous
        get_settings.cache_clear()


def change_store(engine: Engine, store: SeededStore, changes: dict) -> None:
    ctx = _admin_ctx(engine)
    with unit_of_work(ctx, engine) as db:
        update_store(db, ctx, store.store_id, changes)
