"""Landing page at `/` (find a store, what the hub does) and the not-found page (Reflex's special
route "404"), in the language chosen in the header like every other page."""

from __future__ import annotations

import reflex as rx

from hub_app.i18n import t
from hub_app.pages.components import layout, page_title, tr
from hub_app.state.home import HomeState

# The brand, the same in every language.
APP_TITLE = "Appointment Hub"


def search_form() -> rx.Component:
    return rx.el.form(
        rx.vstack(
            rx.el.label(tr("home.search_label"), html_for="store-search", style={"fontWeight": "500"}),
            rx.flex(
                rx.input(id="store-search", name="q", type="search", default_value=HomeState.query,
                         placeholder=tr("home.search_placeholder"), auto_complete="off", size="3",
                         max_length=100, flex="1", min_width="12em",
                         custom_attrs={"aria-describedby": "store-search-hint"}),
                rx.button(tr("home.search_button"), type="submit", size="3", id="store-search-submit"),
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            rx.text(tr("home.search_hint"), id="store-search-hint", size="2", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        on_submit=HomeState.search,
        role="search",
        width="100%",
    )


def result_card(store: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.vstack(
                rx.link(rx.heading(store["name"], size="4", as_="h3"), href=store["href"], class_name="store-result"),
                rx.cond(store["area"] != "", rx.text(store["area"], size="2", color_scheme="gray")),
                rx.cond(store["description"] != "", rx.text(store["description"], size="2")),
                spacing="1",
            ),
            width="100%",
        ),
        style={"listStyle": "none"},
    )


def results() -> rx.Component:
    return rx.vstack(
        rx.heading(rx.cond(HomeState.searched, tr("home.results"), tr("home.stores")), size="6", as_="h2",
                   id="results-heading"),
        # Announced after each search: how many stores were found.
        rx.text(HomeState.result_status, role="status", id="search-status", size="2"),
        rx.el.ul(rx.foreach(HomeState.results, result_card), id="store-results",
                 aria_labelledby="results-heading",
                 style={"display": "grid", "gap": "0.75em", "padding": "0", "margin": "0", "width": "100%"}),
        spacing="3",
        width="100%",
    )


def explanation() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("home.how_title"), size="6", as_="h2"),
        rx.el.ul(
            rx.el.li(tr("home.how_find")),
            rx.el.li(tr("home.how_book")),
            rx.el.li(tr("home.how_manage")),
            style={"paddingLeft": "1.2em", "lineHeight": "1.8"},
        ),
        rx.text(tr("home.for_stores"), size="2", color_scheme="gray"),
        spacing="2",
        width="100%",
    )


def home() -> rx.Component:
    return layout(
        rx.heading(tr("app.name"), size="8", as_="h1", id="app-title"),
        rx.text(tr("home.tagline"), size="4"),
        search_form(),
        results(),
        explanation(),
    )


def not_found() -> rx.Component:
    return rx.el.main(rx.container(
        rx.vstack(
            rx.heading(tr("notfound.title"), size="7", as_="h1"),
            rx.text(tr("notfound.text")),
            rx.link(tr("nav.home"), href="/"),
            spacing="4",
            padding_y="4em",
        ),
    ))


def register(app: rx.App) -> None:
    app.add_page(home, route="/", title=page_title("title.home"), on_load=[HomeState.open_home],
                 description=t("home.meta_description"))
    app.add_page(not_found, route="404", title=page_title("title.not_found"))
