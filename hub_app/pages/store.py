"""The public store page `/<store_slug>`: who the store is, where and when it is open, and what
can be booked there (with the next free times, each opening the wizard on that time).

Crawlers and link previews get the store's title, description and structured data in the raw
HTML from `hub_app/api/seo/` (with a plain-HTML copy of this page until it runs); this is
what people see once the page runs."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import layout, loading_view, not_found_view, tr
from hub_app.state.store import StoreState


def book_href(service_id: rx.Var) -> rx.Var:
    return "/" + StoreState.store["slug"] + "/book?service=" + service_id


def next_free(service: rx.Var) -> rx.Component:
    times = StoreState.next_times[service["id"]]
    # The line's height is kept while the times load, so the cards below do not jump.
    return rx.box(rx.cond(
        times.length() > 0,
        rx.flex(
            rx.text(tr("store.next_free"), size="2", color_scheme="gray"),
            rx.foreach(
                times,
                lambda slot: rx.link(slot["label"], href=slot["href"], size="2", class_name="next-free",
                                     aria_label=tr("store.book_at") + " " + service["name"] + ", " + slot["label"]),
            ),
            spacing="3",
            wrap="wrap",
            align="center",
        ),
    ), min_height="1.75em")


def service_card(service: rx.Var) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.heading(service["name"], size="4", as_="h3"),
                rx.cond(service["description"] != "", rx.text(service["description"], size="2")),
                rx.text(service["duration_label"] + " · " + service["persons_label"], size="2", color_scheme="gray"),
                next_free(service),
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


def address_line() -> rx.Component:
    return rx.cond(
        StoreState.store["address"] != "",
        rx.flex(
            rx.text(StoreState.store["address"], id="store-address"),
            rx.cond(
                StoreState.map_url != "",
                # A plain link to OpenStreetMap's search: no map script or key on our page.
                rx.link(tr("store.map_link"), href=StoreState.map_url, id="store-map-link", is_external=True,
                        rel="noopener noreferrer", aria_label=tr("store.map_link_label") + " " + StoreState.store["address"]),
            ),
            spacing="3",
            wrap="wrap",
        ),
    )


def store_details() -> rx.Component:
    return rx.vstack(
        rx.heading(StoreState.store["name"], size="8", as_="h1", id="store-name"),
        address_line(),
        rx.cond(StoreState.contact_line != "", rx.text(StoreState.contact_line, color_scheme="gray", id="store-contact")),
        rx.cond(StoreState.store["description"] != "",
                rx.text(StoreState.store["description"], id="store-description", white_space="pre-line")),
        spacing="2",
    )


def photo(item: rx.Var, index: int) -> rx.Component:
    # The first photo is what the reader sees first; the others load as they scroll into view.
    return rx.link(
        rx.image(src=item["src"], alt=item["alt"], width="100%", height="180px", object_fit="cover",
                 border_radius="var(--radius-3)", loading=rx.cond(index == 0, "eager", "lazy"),
                 decoding="async", custom_attrs={"width": "480", "height": "180"}),
        href=item["full"],
        class_name="store-photo",
        aria_label=tr("store.open_photo") + ": " + item["alt"],
    )


def photos() -> rx.Component:
    return rx.cond(
        StoreState.photos.length() > 0,
        rx.el.section(
            rx.grid(
                rx.foreach(StoreState.photos, photo),
                columns={"initial": "1", "sm": "3"},
                spacing="3",
                width="100%",
            ),
            aria_label=tr("store.photos"),
            id="store-photos",
            width="100%",
        ),
    )


def opening_hours() -> rx.Component:
    return rx.cond(
        StoreState.opening_hours.length() > 0,
        rx.vstack(
            rx.heading(tr("store.opening_hours"), size="6", as_="h2", id="hours-heading"),
            rx.el.table(
                rx.el.tbody(
                    rx.foreach(
                        StoreState.opening_hours,
                        lambda day: rx.el.tr(
                            rx.el.th(day["day"], scope="row", style={"textAlign": "left", "fontWeight": "500",
                                                                     "paddingRight": "2em"}),
                            rx.el.td(day["hours"]),
                            style={"lineHeight": "1.9"},
                        ),
                    ),
                ),
                aria_labelledby="hours-heading",
                id="opening-hours",
            ),
            spacing="2",
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
            ("found", rx.vstack(store_details(), photos(), services(), opening_hours(), spacing="6", width="100%")),
            loading_view(),
        )
    )


def register(app: rx.App) -> None:
    app.add_page(store_page, route="/[store_slug]", title=StoreState.page_title, description=StoreState.meta_description,
                 on_load=[StoreState.load_store_page])
