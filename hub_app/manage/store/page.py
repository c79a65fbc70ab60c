"""/manage/store: details, public address, language, currency, booking policy and photos."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.shell import widgets
from hub_app.manage.shell.layout import manage_page, register_section
from hub_app.manage.store.embedding_panel import embedding_section
from hub_app.manage.store.state import StoreSettingsState as S
from hub_app.pages.components import tr

PHOTO_TYPES = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


def details_form() -> rx.Component:
    d = S.details
    return rx.form(
        rx.vstack(
            widgets.section(
                tr("manage.store.details"),
                widgets.grid(
                    widgets.field(tr("manage.store.name"), "name", d["name"]),
                    widgets.field(tr("manage.store.slug"), "slug", d["slug"], hint=tr("manage.store.slug_hint")),
                    widgets.field(tr("field.address"), "address", d["address"]),
                    widgets.field(tr("manage.store.city"), "city", d["city"]),
                    widgets.field(tr("manage.store.country"), "country", d["country"], placeholder="GR"),
                    widgets.field(tr("field.phone"), "phone_number", d["phone_number"], type_="tel"),
                    widgets.field(tr("field.email"), "email", d["email"], type_="email"),
                ),
                widgets.textarea(tr("manage.services.description"), "description", d["description"]),
                rx.text(tr("manage.store.public_address") + " ", rx.link(S.public_address, href=S.public_address,
                                                                          is_external=True, id="public-address",
                                                                          underline="always"), size="2"),
            ),
            widgets.section(
                tr("manage.store.region"),
                widgets.grid(
                    widgets.field(tr("manage.store.timezone"), "timezone", d["timezone"], placeholder="Europe/Athens"),
                    widgets.select(tr("manage.store.language"), "locale", [("en", "English"), ("el", "Ελληνικά")],
                              default=d["locale"]),
                    widgets.field(tr("manage.store.currency"), "currency", d["currency"], placeholder="EUR"),
                ),
            ),
            widgets.section(
                tr("manage.store.policy"),
                widgets.grid(
                    widgets.field(tr("manage.store.cutoff"), "cancellation_cutoff_hours", d["cancellation_cutoff_hours"],
                             input_mode="numeric", hint=tr("manage.store.cutoff_hint")),
                    widgets.field(tr("manage.store.notice"), "min_notice_minutes", d["min_notice_minutes"], input_mode="numeric"),
                    widgets.field(tr("manage.store.horizon"), "booking_horizon_days", d["booking_horizon_days"], input_mode="numeric"),
                    widgets.field(tr("manage.store.hold"), "payment_hold_minutes", d["payment_hold_minutes"], input_mode="numeric"),
                    widgets.field(tr("manage.store.reminder"), "reminder_hours_before", d["reminder_hours_before"],
                             input_mode="numeric"),
                ),
            ),
            rx.box(rx.button(tr("manage.save"), type="submit", size="3", id="store-save")),
            spacing="4", width="100%", align="stretch",
        ),
        on_submit=S.save, reset_on_submit=False, key=S.details_key, width="100%",
        no_validate=True,  # our rules name a bad field, not the browser's bubble (see booking.py)
    )


def photo_card(photo: rx.Var, index: int) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.image(src=photo["thumb"], alt=photo["caption"], width="100%", height="150px", object_fit="cover",
                     border_radius="var(--radius-2)"),
            rx.form(
                rx.flex(
                    rx.input(name="caption", default_value=photo["caption"], placeholder=tr("manage.store.caption"),
                             size="2", flex="1", aria_label=tr("manage.store.caption")),
                    rx.el.input(type="hidden", name="photo_id", value=photo["id"]),
                    rx.button(tr("manage.save"), type="submit", size="2", variant="soft"),
                    spacing="2", width="100%",
                ),
                on_submit=S.save_caption, reset_on_submit=False, width="100%",
            ),
            rx.flex(
                rx.button("←", on_click=S.move_photo(photo["id"], -1), size="2", variant="soft",
                          aria_label=tr("manage.store.move_earlier"), disabled=index == 0),
                rx.button("→", on_click=S.move_photo(photo["id"], 1), size="2", variant="soft",
                          aria_label=tr("manage.store.move_later"), disabled=index == S.photos.length() - 1),
                rx.spacer(),
                rx.button(tr("manage.delete"), on_click=S.delete_photo(photo["id"]), size="2", variant="soft",
                          color_scheme="red", aria_label=tr("manage.delete") + " " + photo["position"]),
                width="100%", spacing="2",
            ),
            spacing="2",
        ),
        class_name="photo-item", custom_attrs={"data-photo-id": photo["id"]},
    )


def photos() -> rx.Component:
    return widgets.section(
        tr("manage.store.photos"),
        widgets.photo_upload(
            tr("manage.store.choose_photos"),
            rx.vstack(
                rx.button(tr("manage.store.choose_photos"), type="button", variant="soft", size="3",
                          loading=S.uploading),
                rx.text(tr("manage.store.photo_rules"), size="2", color_scheme="gray"),
                align="center", spacing="2",
            ),
            id="store-photos", multiple=True, accept=PHOTO_TYPES, max_files=10,
            on_drop=S.upload_photos(rx.upload_files(upload_id="store-photos")),
            border="2px dashed var(--gray-a7)", border_radius="var(--radius-3)", padding="1.2em", width="100%",
        ),
        rx.cond(
            S.photos.length() > 0,
            rx.box(rx.foreach(S.photos, photo_card),
                   style={"display": "grid", "gap": "0.8em", "gridTemplateColumns": "repeat(auto-fill, minmax(13em, 1fr))"},
                   width="100%", id="photo-list"),
            widgets.empty("manage.store.no_photos"),
        ),
        id_="photos",
    )


def content() -> rx.Component:
    return rx.vstack(details_form(), photos(), embedding_section(), spacing="4", width="100%")


def store_page() -> rx.Component:
    return manage_page("store", "manage.nav.store", content())


def register(app: rx.App) -> None:
    register_section(app, "/manage/store", store_page, [S.load])
