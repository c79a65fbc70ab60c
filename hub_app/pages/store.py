"""The public store page `/<store_slug>`: who the store is and what can be booked there."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import layout, loading_view, not_found_view, tr
from hub_app.state.store import StoreState


def book_href(service_id: rx.Var) -> rx.Var:
    return "/" + StoreState.store["slug"] + "/book?service=" + service_id


def service_card(service: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(service["name"], size="4", as_="h3"),
                rx.cond(service["description"] != "", rx.text(service["description"], size="2")),
                rx.text(service["duration_label"] + " · " + service["persons_label"], size="2", color_scheme="gray"),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.vstack(
                rx.text(service["price_label"], weight="bold", size="4"),
                rx.link(rx.button(tr("store.book"), size="3"), href=book_href(service["id"]),
                        aria_label=tr("store.book") + ": " + service["name"]),
                align="end",
                spacing="2",
            ),
            direction={"initial": "column", "sm": "row"},
            spacing="3",
            justify="between",
        ),
        width="100%",
        class_name="service-card",
    )


def store_details() -> rx.Component:
    return rx.vstack(
        rx.heading(StoreState.store["name"], size="8", as_="h1", id="store-name"),
        rx.cond(StoreState.store["address"] != "", rx.text(StoreState.store["address"], id="store-address")),
        rx.cond(StoreState.contact_line != "", rx.text(StoreState.contact_line, color_scheme="gray", id="store-contact")),
        rx.cond(StoreState.store["description"] != "",
                rx.text(StoreState.store["description"], id="store-description", white_space="pre-line")),
        spacing="2",
    )


def photos() -> rx.Component:
    return rx.cond(
        StoreState.photos.length() > 0,
        rx.grid(
            rx.foreach(
                StoreState.photos,
                lambda photo: rx.image(src=photo["src"], alt=photo["alt"], width="100%", height="180px",
                                       object_fit="cover", border_radius="var(--radius-3)"),
            ),
            columns={"initial": "1", "sm": "3"},
            spacing="3",
            width="100%",
        ),
    )


def services() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("store.services"), size="6", as_="h2"),
        rx.cond(
            StoreState.services.length() > 0,
            rx.vstack(rx.foreach(StoreState.services, service_card), spacing="3", width="100%"),
            rx.text(tr("store.no_services")),
        ),
        spacing="3",
        width="100%",
        id="services",
    )


def store_page() -> rx.Component:
    return layout(
        rx.match(
            StoreState.store_status,
            ("missing", not_found_view()),
            ("found", rx.vstack(store_details(), photos(), services(), spacing="6", width="100%")),
            loading_view(),
        )
    )


def register(app: rx.App) -> None:
    app.add_page(store_page, route="/[store_slug]", title="Appointment Hub",
                 on_load=[StoreState.load_store])
