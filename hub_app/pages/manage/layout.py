"""The dashboard frame: the site header, the section navigation, messages, and the states
before a store is open (signing in, an admin choosing a store, refusal)."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.components import footer, header, loading_view, tr
from hub_app.state.manage.base import ManageState

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


def section_nav(active: str) -> rx.Component:
    def item(key: str, path: str, label_key: str) -> rx.Component:
        current = key == active
        return rx.link(
            tr(label_key),
            href=path + ManageState.store_query,
            underline="none",
            id=f"nav-{key}",
            custom_attrs={"aria-current": "page" if current else "false"},
            style={
                "padding": "0.55em 0.9em", "borderRadius": "var(--radius-3)", "fontWeight": "500",
                "background": "var(--accent-9)" if current else "var(--accent-a3)",
                "color": "var(--accent-contrast)" if current else "var(--accent-11)",
                "whiteSpace": "nowrap",
            },
        )

    return rx.el.nav(
        rx.flex(*[item(*s) for s in SECTIONS], wrap="wrap", spacing="2"),
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
