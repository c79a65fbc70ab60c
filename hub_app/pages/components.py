"""Shared layout of the public pages: header with the language switch, footer, labelled fields."""

from __future__ import annotations

import reflex as rx

from hub_app.pages.focus import CONTENT_ID, SKIP_LINK_CLASS, SkipLinkFocus
from hub_app.pages.page_language import page_language
from hub_app.state.session import SessionState


def tr(key: str) -> rx.Var:
    """The text for `key` in the language chosen in the header (reactive)."""
    return SessionState.tr[key]


def page_title(key: str) -> rx.Var:
    """A page's <title> in the chosen language: the catalog's `key` ("Sign in · Appointment Hub").
    The built page carries the English one; the chosen language replaces it once the page runs."""
    return SessionState.tr[key]


def language_button(code: str, label: str, name: str) -> rx.Component:
    active = SessionState.lang == code
    return rx.button(
        label,
        on_click=SessionState.set_locale(code),
        variant=rx.cond(active, "solid", "soft"),
        # High contrast: the small labels read at 4.5:1 or more on both variants (WCAG AA).
        high_contrast=True,
        size="1",
        aria_label=name,
        custom_attrs={"aria-pressed": rx.cond(active, "true", "false"), "lang": code},
        id=f"lang-{code}",
    )


def skip_link() -> rx.Component:
    """The first Tab stop of every page: straight to the content, past the header (WCAG 2.4.1).
    Off screen until it has the focus (assets/theme.css)."""
    return rx.fragment(
        SkipLinkFocus.create(),
        rx.el.a(tr("nav.skip_to_content"), href="#" + CONTENT_ID, class_name=SKIP_LINK_CLASS, id="skip-link"),
    )


def header() -> rx.Component:
    return rx.el.header(
        page_language(SessionState.lang),
        skip_link(),
        rx.hstack(
            rx.link(rx.text(tr("app.name"), weight="bold", size="4"), href="/", underline="none"),
            rx.spacer(),
            rx.hstack(
                language_button("en", "EN", "English"),
                language_button("el", "ΕΛ", "Ελληνικά"),
                spacing="1",
                role="group",
                aria_label=tr("common.language"),
            ),
            rx.cond(
                SessionState.signed_in,
                rx.hstack(
                    rx.link(tr("nav.account"), href="/account", id="nav-account"),
                    rx.button(tr("nav.sign_out"), on_click=SessionState.sign_out, variant="ghost", size="1",
                              id="nav-sign-out"),
                    spacing="3",
                    align="center",
                ),
                rx.link(tr("nav.sign_in"), href="/login", id="nav-sign-in"),
            ),
            align="center",
            spacing="4",
            wrap="wrap",
            width="100%",
            max_width="960px",
            margin_x="auto",
            padding_x="1em",
            padding_y="0.75em",
        ),
        border_bottom="1px solid var(--gray-a5)",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(tr("footer.text"), size="1", color_scheme="gray"),
        width="100%",
        max_width="960px",
        margin_x="auto",
        padding="1.5em 1em",
    )


def layout(*children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.el.main(
            rx.vstack(*children, spacing="5", width="100%", align="stretch"),
            id=CONTENT_ID,
            tab_index=-1,
            width="100%",
            max_width="960px",
            margin_x="auto",
            padding_x="1em",
            padding_y="1.5em",
            flex="1",
        ),
        footer(),
        # The footer stays at the bottom of the window while a page loads its content, instead
        # of sitting under the spinner and jumping down when the content arrives.
        min_height="100vh",
        display="flex",
        flex_direction="column",
    )


def form_field(
    label: rx.Var | str,
    name: str,
    error: rx.Var,
    default_value: rx.Var | str = "",
    type_: str = "text",
    autocomplete: str | None = None,
    id_prefix: str = "field",
    input_mode: str | None = None,
) -> rx.Component:
    """A labelled input with its error text below; the error is announced and tied to the input."""
    input_id = f"{id_prefix}-{name}"
    error_id = f"{input_id}-error"
    has_error = error != ""
    attrs = {"aria-invalid": rx.cond(has_error, "true", "false"), "aria-describedby": error_id}
    if input_mode:
        attrs["inputmode"] = input_mode
    return rx.vstack(
        rx.el.label(label, html_for=input_id, style={"fontWeight": "500", "fontSize": "0.9em"}),
        rx.input(
            id=input_id,
            name=name,
            type=type_,
            default_value=default_value,
            auto_complete=autocomplete,
            custom_attrs=attrs,
            color_scheme=rx.cond(has_error, "red", "gray"),
            width="100%",
            size="3",
        ),
        rx.cond(
            has_error,
            rx.text(error, id=error_id, color_scheme="red", size="2", role="alert"),
            rx.box(id=error_id),
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def notice(message: rx.Var, tone: str = "red", id_: str | None = None) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, color_scheme=tone, role="alert" if tone == "red" else "status", id=id_),
    )


def not_found_view() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("store.not_found_title"), size="7", id="not-found"),
        rx.text(tr("store.not_found")),
        rx.link(tr("nav.home"), href="/"),
        spacing="3",
        padding_y="3em",
    )


def loading_view() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding_y="4em", aria_label=tr("common.loading"))
