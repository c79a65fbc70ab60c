"""Store photos: checked by their content (JPEG, PNG or WebP only, never by name or the
browser's word), re-encoded with Pillow (which drops metadata such as GPS positions and any
payload hidden after the image), thumbnailed, stored under settings.upload_dir and ordered.

Files are written when the row is added and removed again if the transaction rolls back; a
deleted photo's files are removed only once the deletion is committed.
"""

from __future__ import annotations

import io
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from hub_app.domain.stores.access import dashboard_store
from hub_app.domain.errors import NotFound, ValidationFailed
from hub_app.domain.permissions import Feature, require
from hub_app.domain.stores.models import StorePhoto
from hub_app.domain.tenancy import TenantContext
from hub_app.i18n import t
from hub_app.settings import get_settings

logger = logging.getLogger(__name__)

MAX_PHOTOS = 20
MAX_PIXELS = 40_000_000          # refuse decompression bombs long before Pillow's own limit
THUMBNAIL_BOX = (480, 480)
MAX_SIDE = 2400                  # larger originals are scaled down; nobody needs more on a store page


@dataclass(frozen=True)
class ImageKind:
    content_type: str
    pillow_format: str
    extension: str


KINDS = {
    "image/jpeg": ImageKind("image/jpeg", "JPEG", "jpg"),
    "image/png": ImageKind("image/png", "PNG", "png"),
    "image/webp": ImageKind("image/webp", "WEBP", "webp"),
}
_WRITTEN = "dashboard_files_written"
_TO_REMOVE = "dashboard_files_to_remove"


def sniff_image_type(data: bytes) -> str | None:
    """The content type from the file's first bytes (magic numbers), or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _refuse(key: str, locale: str | None, **params) -> ValidationFailed:
    message = t(key, locale, **params)
    return ValidationFailed(message, fields={"photo": message})


def _decode(data: bytes, kind: ImageKind, locale: str | None) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != kind.pillow_format:
                raise _refuse("dashboard.photo_type", locale)
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse("dashboard.photo_too_many_pixels", locale)
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise _refuse("dashboard.photo_unreadable", locale)
    return ImageOps.exif_transpose(image)


def _encode(image: Image.Image, kind: ImageKind) -> bytes:
    out = io.BytesIO()
    if kind.pillow_format == "JPEG":
        image = image.convert("RGB")
        image.save(out, "JPEG", quality=86, optimize=True)
    elif kind.pillow_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def upload_root() -> Path:
    return Path(get_settings().upload_dir)


def _track(db: Session, key: str, path: Path) -> None:
    db.info.setdefault(key, []).append(str(path))


@dataclass(frozen=True)
class SavedImage:
    path: str             # relative to upload_root(), as served under /uploads
    thumbnail_path: str
    content_type: str


def save_image(db: Session, data: bytes, folder: Path, locale: str | None,
               thumbnail_box: tuple[int, int] = THUMBNAIL_BOX) -> SavedImage:
    """Check, re-encode and write an uploaded image and its thumbnail under `folder` (relative to
    the upload root). The files follow `db`'s transaction: removed again if it rolls back."""
    limit = get_settings().upload_max_bytes
    if not data:
        raise _refuse("dashboard.photo_empty", locale)
    if len(data) > limit:
        raise _refuse("dashboard.photo_too_large", locale, mb=f"{limit / 1024 / 1024:.0f}")
    content_type = sniff_image_type(data)
    if content_type is None:
        raise _refuse("dashboard.photo_type", locale)
    kind = KINDS[content_type]
    image = _decode(data, kind, locale)
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = image.copy()
    thumb.thumbnail(thumbnail_box)
    name = uuid.uuid4().hex
    relative = folder / f"{name}.{kind.extension}"
    relative_thumb = folder / f"{name}_thumb.{kind.extension}"
    root = upload_root()
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    for rel, picture in ((relative, image), (relative_thumb, thumb)):
        (root / rel).write_bytes(_encode(picture, kind))
        _track(db, _WRITTEN, root / rel)
    return SavedImage(relative.as_posix(), relative_thumb.as_posix(), kind.content_type)


def remove_after_commit(db: Session, *relative_paths: str | None) -> None:
    """Delete these files (relative to the upload root) once `db`'s transaction commits."""
    root = upload_root()
    for rel in relative_paths:
        if rel:
            _track(db, _TO_REMOVE, root / rel)


def list_photos(db: Session, ctx: TenantContext) -> list[StorePhoto]:
    dashboard_store(db, ctx)
    return list(db.scalars(select(StorePhoto).order_by(StorePhoto.position, StorePhoto.id)))


def add_photo(db: Session, ctx: TenantContext, data: bytes, caption: str | None = None) -> StorePhoto:
    """Store an uploaded image and its thumbnail; the new photo goes last."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    store = dashboard_store(db, ctx)
    existing = db.scalar(select(func.count()).select_from(StorePhoto)) or 0
    if data and existing >= MAX_PHOTOS:
        raise _refuse("dashboard.photo_limit", ctx.locale, max=MAX_PHOTOS)
    saved = save_image(db, data, Path("stores") / str(store.id), ctx.locale)
    top = db.scalar(select(func.max(StorePhoto.position)))
    photo = StorePhoto(store_id=store.id, path=saved.path, thumbnail_path=saved.thumbnail_path,
                       content_type=saved.content_type, position=(top + 1) if top is not None else 0,
                       caption=(caption or "").strip()[:200] or None)
    db.add(photo)
    db.flush()
    return photo


def _photo(db: Session, ctx: TenantContext, photo_id: int) -> StorePhoto:
    require(ctx, Feature.MANAGE_STORE_INFO)
    dashboard_store(db, ctx)
    photo = db.get(StorePhoto, photo_id) if isinstance(photo_id, int) else None
    if photo is None or photo.store_id != ctx.store_id:
        raise NotFound(t("dashboard.photo_not_found", ctx.locale))
    return photo


def set_caption(db: Session, ctx: TenantContext, photo_id: int, caption: str | None) -> StorePhoto:
    photo = _photo(db, ctx, photo_id)
    photo.caption = (caption or "").strip()[:200] or None
    db.flush()
    return photo


def move_photo(db: Session, ctx: TenantContext, photo_id: int, steps: int) -> list[StorePhoto]:
    """Move a photo earlier (negative steps) or later in the store's order."""
    photo = _photo(db, ctx, photo_id)
    photos = list_photos(db, ctx)
    index = next(i for i, p in enumerate(photos) if p.id == photo.id)
    target = max(0, min(len(photos) - 1, index + steps))
    photos.insert(target, photos.pop(index))
    return reorder_photos(db, ctx, [p.id for p in photos])


def reorder_photos(db: Session, ctx: TenantContext, ordered_ids: list[int]) -> list[StorePhoto]:
    """Put the store's photos in exactly this order (every photo once, no other store's)."""
    require(ctx, Feature.MANAGE_STORE_INFO)
    photos = {p.id: p for p in list_photos(db, ctx)}
    if sorted(ordered_ids) != sorted(photos):
        raise NotFound(t("dashboard.photo_not_found", ctx.locale))
    for position, photo_id in enumerate(ordered_ids):
        photos[photo_id].position = position
    db.flush()
    return [photos[i] for i in ordered_ids]


def delete_photo(db: Session, ctx: TenantContext, photo_id: int) -> None:
    photo = _photo(db, ctx, photo_id)
    remove_after_commit(db, photo.path, photo.thumbnail_path)
    db.delete(photo)
    db.flush()


def _unlink(paths: list[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # the row is what counts; a leftover file only costs disk space
            logger.warning("Could not remove %s", path, exc_info=True)


@event.listens_for(Session, "after_commit")
def _files_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_TO_REMOVE, []))


@event.listens_for(Session, "after_transaction_end")
def _files_after_rollback(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (after_commit clears the lists first).
    if transaction.parent is None:
        _unlink(session.info.pop(_WRITTEN, []))
        session.info.pop(_TO_REMOVE, None)
