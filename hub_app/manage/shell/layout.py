"""The dashboard frame: the site header, the section navigation, messages, and the states
before a store is open (signing in, an admin choosing a store, refusal)."""

from __future__ import annotations

import reflex as rx

from hub_app.manage.shell.state import ManageState
from hub_app.pages.components import footer, header, loading_view, tr
from hub_app.pages.focus import CONTENT_ID

SECTIONS = (
    ("overview", "/manage", "manage.nav.overview"),
    ("bookings", "/manage/bookings", "manage.nav.bookings"),
    ("services", "/manage/services", "manage.nav.services"),
    ("calendars", "/manage/calendars", "manage.nav.calendars"),
    ("clients", "/manage/clients", "manage.nav.clients"),
    ("notifications", "/manage/notifications", "manage.nav.notifications"),
    ("store", "/manage/store", "manage.nav.store"),
    ("subscription", "/manage/subscription", "manage.nav.subscription"),
    ("integrations", "/manage/integrations", "manage.nav.integrations"),
)


def _section_link(key: str, path: str, label_key: str, active: str, id_prefix: str) -> rx.Component:
    current = key == active
    return rx.link(
        tr(label_key),
        href=path + ManageState.store_query,
        underline="none",
        id=f"{id_prefix}-{key}",
        custom_attrs={"aria-current": "page" if current else "false"},
        style={
            "display": "block", "padding": "0.55em 0.9em", "borderRadius": "var(--radius-3)", "fontWeight": "500",
            "background": "var(--accent-9)" if current else "var(--accent-a3)",
            "color": "var(--accent-contrast)" if current else "var(--accent-11)",
            "whiteSpace": "nowrap",
        },
    )


def _current_label(active: str) -> rx.Var:
    return next(tr(label_key) for key, _, label_key in SECTIONS if key == active)


def section_nav(active: str) -> rx.Component:
    """The sections as a row of tabs from tablet width up; on a phone, one "Menu" button that opens
    them as a list (a native <details>: keyboard, screen reader and no-JavaScript support built in,
    closed again on every page since each section is its own page). One <nav>; the copy not shown
    (display: none, 48em = 768 px and up shows the row) is out of the accessibility tree."""
    row = rx.flex(*[_section_link(*s, active, "nav") for s in SECTIONS], wrap="wrap", spacing="2")
    menu = rx.el.details(
        rx.el.summary(
            rx.text(tr("manage.nav.menu"), as_="span", weight="bold"),
            rx.text(_current_label(active), as_="span"),
            rx.text("▾", as_="span", aria_hidden="true", margin_left="auto"),
            id="nav-menu",
            style={"display": "flex", "gap": "0.6em", "alignItems": "center", "listStyle": "none",
                   "cursor": "pointer", "minHeight": "2.75em", "padding": "0.55em 0.9em",
                   "border": "1px solid var(--accent-a7)", "borderRadius": "var(--radius-3)",
                   "color": "var(--accent-11)", "background": "var(--accent-a2)"},
        ),
        rx.el.ul(
            *[rx.el.li(_section_link(*s, active, "menu")) for s in SECTIONS],
            style={"listStyle": "none", "display": "grid", "gap": "0.4em", "marginTop": "0.5em", "padding": "0"},
        ),
    )
    return rx.el.nav(
        rx.box(row, display=rx.breakpoints(initial="none", sm="block")),
        rx.box(menu, display=rx.breakpoints(initial="block", sm="none")),
        aria_label=tr("manage.nav.label"),
        width="100%",
    )


def messages() -> rx.Component:
    return rx.vstack(
        rx.cond(ManageState.notice_text != "",
                rx.callout(ManageState.notice_text, color_scheme="green", role="status", id="manage-notice", width="100%")),
        rx.cond(ManageState.error_text != "",
                rx.callout(ManageState.error_text, color_scheme="red", role="alert", id="manage-error", width="100%")),
        width="100%", spacing="2",
    )


def store_picker() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("manage.pick_store"), size="6", as_="h1"),
        rx.flex(
            rx.foreach(ManageState.admin_stores,
                       lambda s: rx.link(rx.button(s["name"], variant="surface", size="3"),
                                         href=rx.Var.create("?store=") + s["slug"])),
            wrap="wrap", spacing="3",
        ),
        spacing="4",
    )


def refused() -> rx.Component:
    return rx.vstack(rx.heading(tr("manage.denied_title"), size="6", as_="h1", id="manage-denied"),
                     rx.text(tr("manage.denied")), rx.link(tr("nav.home"), href="/"), spacing="3", padding_y="2em")


def missing() -> rx.Component:
    return rx.vstack(rx.heading(tr("store.not_found_title"), size="6", as_="h1"), rx.text(tr("store.not_found")),
                     spacing="3", padding_y="2em")


def manage_page(active: str, title_key: str, content: rx.Component) -> rx.Component:
    ready = rx.vstack(
        rx.flex(
            rx.heading(tr(title_key), size="7", as_="h1", id="manage-title"),
            rx.text(ManageState.store_info["name"], color_scheme="gray", size="3", id="manage-store-name"),
            align="baseline", spacing="3", wrap="wrap",
        ),
        section_nav(active),
        messages(),
        content,
        spacing="4", width="100%", align="stretch",
    )
    return rx.box(
        header(),
        rx.el.main(
            rx.match(
                ManageState.dashboard_status,
                ("ready", ready),
                ("pick", store_picker()),
                ("denied", refused()),
                ("missing", missing()),
                loading_view(),
            ),
            width="100%", max_width="1240px", margin_x="auto", padding_x="1em", padding_y="1.25em",
            id=CONTENT_ID, tab_index=-1,
        ),
        footer(),
        min_height="100vh",
    )


def section_title(route: str) -> rx.Var:
    """"Bookings · Dashboard · Appointment Hub", in the chosen language."""
    label_key = next(key for _, path, key in SECTIONS if path == route)
    return tr(label_key) + " · " + tr("title.dashboard")


def register_section(app: rx.App, route: str, page, on_load: list) -> None:
    app.add_page(page, route=route, title=section_title(route),
                 on_load=[ManageState.open_dashboard, *on_load])
