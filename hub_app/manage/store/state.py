"""/manage/store: the store's details, address (slug), language, currency, booking policy, photos."""

from __future__ import annotations

import asyncio

import reflex as rx

from hub_app.domain.errors import DomainError
from hub_app.i18n import t
from hub_app.manage.shell.forms import parse_id
from hub_app.manage.shell.state import ManageState
from hub_app.manage.store import present
from hub_app.settings import get_settings


class StoreSettingsState(ManageState):
    details: dict[str, str] = {}
    details_key: int = 0
    embedding: dict[str, str] = {}   # sites, colour, and the snippet to copy (present.embedding_form)
    embedding_key: int = 0
    photos: list[dict[str, str]] = []
    uploading: bool = False

    @rx.var
    def public_address(self) -> str:
        return "/" + self.details.get("slug", "")

    def _load(self, ctx) -> None:
        self.details = present.store_form(ctx)
        self.embedding = present.embedding_form(ctx)
        self.embedding_key += 1
        self.photos = present.photo_rows(ctx)
        self.details_key += 1

    @rx.event
    def load(self):
        if self.dashboard_status == "ready":
            self._attempt(self._load)

    @rx.event
    def save(self, form: dict):
        self.details = {**self.details, **{k: str(v) for k, v in form.items()}}
        saved = self._attempt(lambda ctx: present.save_store(ctx, form), t("manage.saved", self._loc()))
        if saved is not None:
            self.details = saved
            self.details_key += 1
            self._refresh_store_info()
            self.notice_text = t("manage.saved", self._loc())

    @rx.event
    def save_embedding(self, form: dict):
        # What was typed stays in the form when a site is refused.
        self.embedding = {**self.embedding, **{k: str(v) for k, v in form.items()}}
        saved = self._attempt(lambda ctx: present.save_embedding(ctx, form), t("manage.saved", self._loc()))
        if saved is not None:
            self.embedding = saved
            self.embedding_key += 1

    @rx.event
    async def upload_photos(self, files: list[rx.UploadFile]):
        self._clear_messages()
        self.uploading = True
        yield
        limit = get_settings().upload_max_bytes
        problems: list[str] = []
        try:
            ctx = self._manage_ctx()
            for upload in files:
                name = upload.name or ""
                if upload.size is not None and upload.size > limit:
                    problems.append(f"{name}: " + t("dashboard.photo_too_large", self._loc(), mb=f"{limit / 1048576:.0f}"))
                    continue
                data = await upload.read()
                try:
                    # Decoding and thumbnailing are CPU work: keep the event loop free meanwhile.
                    await asyncio.to_thread(present.upload_photo, ctx, data)
                except DomainError as exc:
                    problems.append(f"{name}: {exc.message}")
            self.photos = present.photo_rows(ctx)
        except DomainError as exc:
            problems.append(exc.message)
        finally:
            self.uploading = False
        if problems:
            self.error_text = " ".join(problems)
        else:
            self.notice_text = t("manage.store.photos_added", self._loc())

    def _photo_change(self, action) -> None:
        if self._do(action):
            self._attempt(lambda ctx: setattr(self, "photos", present.photo_rows(ctx)))

    @rx.event
    def move_photo(self, photo_id: str, steps: int):
        self._photo_change(lambda ctx: present.move_photo(ctx, parse_id(photo_id), int(steps)))

    @rx.event
    def delete_photo(self, photo_id: str):
        self._photo_change(lambda ctx: present.delete_photo(ctx, parse_id(photo_id)))

    @rx.event
    def save_caption(self, form: dict):
        photo_id = parse_id(form.get("photo_id"))
        self._photo_change(lambda ctx: present.caption_photo(ctx, photo_id, str(form.get("caption") or "")))
