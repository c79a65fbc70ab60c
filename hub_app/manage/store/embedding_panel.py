"""/manage/store, section "Booking on your website": the sites allowed to embed the booking flow,
its accent colour, and the script tag and iframe address to copy onto the store's own site."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.shell import widgets
from hub_app.manage.store.state import StoreSettingsState as S
from hub_app.pages.components import tr


def copy_box(label_key: str, value: rx.Var, box_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(tr(label_key), html_for=box_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.text_area(value=value, id=box_id, read_only=True, rows="3", size="2", width="100%",
                     style={"fontFamily": "monospace"}),
        spacing="1", width="100%", align="stretch",
    )


def embedding_section() -> rx.Component:
    e = S.embedding
    return widgets.section(
        tr("manage.store.embed"),
        rx.text(tr("manage.store.embed_intro"), size="2"),
        rx.form(
            rx.vstack(
                widgets.textarea(tr("manage.store.embed_domains"), "embed_domains", e["embed_domains"], rows="3"),
                rx.text(tr("embed.domains_help"), size="1", color_scheme="gray"),
                widgets.field(tr("manage.store.embed_accent"), "embed_accent_color", e["embed_accent_color"],
                         placeholder=e["default_accent"], hint=tr("manage.store.embed_accent_hint")),
                rx.box(rx.button(tr("manage.save"), type="submit", size="3", id="embedding-save")),
                spacing="3", width="100%", align="stretch",
            ),
            on_submit=S.save_embedding, reset_on_submit=False, key=S.embedding_key, width="100%",
            no_validate=True,
        ),
        copy_box("manage.store.embed_script", e["script_tag"], "embed-script-tag"),
        copy_box("manage.store.embed_iframe", e["iframe_tag"], "embed-iframe-tag"),
        rx.text(tr("manage.store.embed_iframe_url") + " ", rx.el.code(e["iframe_url"], id="embed-iframe-url"), size="2"),
        rx.text(tr("manage.store.embed_events"), size="1", color_scheme="gray"),
        id_="embedding",
    )
