"""`/embed/<store_slug>`: the booking wizard alone, for an iframe on the store's own website.

Framable only by the store's listed sites (CSP frame-ancestors, hub_app/security/headers.py).
`/embed/frame.js` (hub_app/api/embed_assets.py) reports to the host page: the booking made, the
content's height, and Escape (close the overlay). It reads what to report from the hidden
`#hub-embed` element below and posts only to the framing origin when it is one of the listed ones.
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx
from reflex_components_core.el.elements.scripts import Script

from hub_app.pages.booking import wizard
from hub_app.pages.components import language_button, loading_view, not_found_view, tr
from hub_app.state.booking import BookingState
from hub_app.state.store import StoreState

FRAME_SCRIPT = "/embed/frame.js"
STORAGE_FALLBACK = Path(__file__).with_name("embed_storage_fallback.js")


def framed_storage_fallback() -> rx.Component:
    """An inline script for the head of every page (the static HTML cannot differ per route): it
    must run before the app's modules read localStorage, and acts only inside a frame."""
    return Script.create(STORAGE_FALLBACK.read_text(encoding="utf-8"))


def report_element() -> rx.Component:
    c = BookingState.confirmation
    return rx.el.div(
        id="hub-embed",
        hidden=True,
        custom_attrs={
            "data-store": StoreState.store["slug"],
            "data-origins": StoreState.store["embed_domains"],
            "data-booking-id": rx.cond(BookingState.step == "done", c["id"], ""),
            "data-booking-start": rx.cond(BookingState.step == "done", c["start"], ""),
            "data-booking-service": rx.cond(BookingState.step == "done", c["service"], ""),
        },
    )


def embed_page() -> rx.Component:
    accent = {
        # The store's accent on Radix's solid buttons and focus rings; its text colour is chosen
        # for contrast (hub_app.domain.embedding.rules.text_color_on).
        "--accent-9": StoreState.store["accent"],
        "--accent-10": StoreState.store["accent"],
        "--accent-contrast": StoreState.store["accent_text"],
        "--focus-8": StoreState.store["accent"],
    }
    return rx.box(
        rx.script(src=FRAME_SCRIPT),
        report_element(),
        rx.hstack(
            language_button("en", "EN", "English"),
            language_button("el", "ΕΛ", "Ελληνικά"),
            spacing="1",
            role="group",
            aria_label=tr("common.language"),
            justify="end",
        ),
        rx.el.main(
            rx.match(
                StoreState.store_status,
                ("missing", not_found_view()),
                ("found", wizard(embedded=True)),
                loading_view(),
            ),
            width="100%",
        ),
        style=accent,
        padding="1em",
        max_width="760px",
        margin_x="auto",
    )


def register(app: rx.App) -> None:
    app.add_page(embed_page, route="/embed/[store_slug]", title="Appointment Hub",
                 on_load=[StoreState.load_store, BookingState.start_wizard])
